// Feature-hashing text embedder: words, word bigrams and padded character 3/4-grams, signed
// MurmurHash3 buckets, float64 accumulation, L2 normalization. Mirrors native/fallback.ts exactly:
// any change here is a change to the algorithm in native/README.md and must be made on both sides.
#include "hash-embed.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace fairway {
namespace {

constexpr double kWeightWord = 1.0;
constexpr double kWeightBigram = 1.0;
constexpr double kWeightChar3 = 0.5;
constexpr double kWeightChar4 = 0.5;
constexpr uint8_t kBoundary = '#';
constexpr size_t kRetainBytes = 1 << 20;  // texts longer than this release their buffers after use

// Inclusive code point ranges (all >= 0x80) that separate words. Below 0x80 only [0-9A-Za-z] are
// word code points. Every other code point is a word code point.
constexpr uint32_t kSeparatorRanges[][2] = {
    {0x0080, 0x00BF}, {0x00D7, 0x00D7}, {0x00F7, 0x00F7}, {0x1680, 0x1680}, {0x2000, 0x206F},
    {0x2E00, 0x2E7F}, {0x3000, 0x303F}, {0xFE10, 0xFE1F}, {0xFE30, 0xFE4F}, {0xFEFF, 0xFEFF},
    {0xFF00, 0xFF0F}, {0xFF1A, 0xFF20}, {0xFF3B, 0xFF40}, {0xFF5B, 0xFF65}, {0xFFF0, 0xFFFF},
};

inline uint32_t Rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

bool IsWordCodePoint(uint32_t cp) {
  if (cp < 0x80) {
    return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5A) || (cp >= 0x61 && cp <= 0x7A);
  }
  if (cp > 0xFFFF) return true;
  for (const auto& range : kSeparatorRanges) {
    if (cp >= range[0] && cp <= range[1]) return false;
  }
  return true;
}

// Decodes one code point at text[i]; returns its byte length. Malformed or truncated sequences
// consume one byte and decode as U+FFFD (never produced by the JS side, which sends valid UTF-8).
size_t DecodeUtf8(const uint8_t* text, size_t len, size_t i, uint32_t* cp) {
  const uint8_t b = text[i];
  size_t n;
  uint32_t value;
  if (b < 0x80) {
    *cp = b;
    return 1;
  } else if ((b & 0xE0) == 0xC0) {
    n = 2;
    value = b & 0x1F;
  } else if ((b & 0xF0) == 0xE0) {
    n = 3;
    value = b & 0x0F;
  } else if ((b & 0xF8) == 0xF0) {
    n = 4;
    value = b & 0x07;
  } else {
    *cp = 0xFFFD;
    return 1;
  }
  if (i + n > len) {
    *cp = 0xFFFD;
    return 1;
  }
  for (size_t k = 1; k < n; k++) value = (value << 6) | (text[i + k] & 0x3F);
  *cp = value;
  return n;
}

struct Word {
  size_t start;  // byte offset of the first code point
  size_t end;    // byte offset one past the last byte
  size_t cpBegin;  // index into the code point offset table
  size_t cpCount;
};

// Per-thread buffers reused across calls (each worker thread gets its own): no allocation on the
// hot path once they have grown to the longest text seen.
struct Buffers {
  std::vector<size_t> cpOffsets;
  std::vector<Word> words;
  std::vector<double> acc;
  std::vector<uint8_t> scratch;
};

Buffers& ThreadBuffers() {
  thread_local Buffers buffers;
  return buffers;
}

class Accumulator {
 public:
  Accumulator(uint32_t dims, size_t scratchBytes, Buffers& buffers)
      : dims_(dims), mask_((dims & (dims - 1)) == 0 ? dims - 1 : 0), acc_(buffers.acc), scratch_(buffers.scratch) {
    acc_.assign(dims, 0.0);
    if (scratch_.size() < scratchBytes) scratch_.resize(scratchBytes);
  }

  uint8_t* scratch() { return scratch_.data(); }

  void Add(size_t featureLen, double weight) {
    const uint32_t h = Murmur3X86_32(scratch_.data(), featureLen, kHashSeed);
    // h mod dims; a mask when dims is a power of two (same value, no division).
    const uint32_t index = mask_ != 0 ? (h & mask_) : h % dims_;
    acc_[index] += (h & 0x80000000u) ? -weight : weight;
  }

  void Finish(float* out) const {
    // Sum of squares with the 8-lane order of Dot (kernels.cc), so it vectorizes bit-exactly.
    double lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    uint32_t i = 0;
    for (; i + 8 <= dims_; i += 8) {
      for (uint32_t j = 0; j < 8; j++) lane[j] += acc_[i + j] * acc_[i + j];
    }
    for (uint32_t j = 0; i < dims_; i++, j++) lane[j] += acc_[i] * acc_[i];
    const double sumSquares =
        ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
    if (sumSquares == 0.0) {
      for (uint32_t k = 0; k < dims_; k++) out[k] = 0.0f;
      return;
    }
    const double norm = std::sqrt(sumSquares);
    for (uint32_t k = 0; k < dims_; k++) out[k] = static_cast<float>(acc_[k] / norm);
  }

 private:
  uint32_t dims_;
  uint32_t mask_;  // dims - 1 when dims is a power of two (> 1), else 0
  std::vector<double>& acc_;
  std::vector<uint8_t>& scratch_;
};

// Character n-grams of "#" + word + "#" over code points, in ascending start position.
void AddCharGrams(Accumulator& accumulator, const uint8_t* text, const std::vector<size_t>& cpOffsets,
                  const Word& word, size_t n, uint8_t kind, double weight) {
  const size_t padded = word.cpCount + 2;
  if (padded < n) return;
  uint8_t* out = accumulator.scratch();
  for (size_t start = 0; start + n <= padded; start++) {
    // Padded positions 1..cpCount are the word's code points; 0 and padded-1 are the boundary.
    size_t len = 0;
    out[len++] = kind;
    out[len++] = ':';
    if (start == 0) out[len++] = kBoundary;
    const size_t first = start == 0 ? 1 : start;
    const size_t last = std::min(start + n, padded - 1);  // exclusive
    if (last > first) {
      const size_t from = cpOffsets[word.cpBegin + first - 1];
      const size_t to = cpOffsets[word.cpBegin + last - 1];
      std::memcpy(out + len, text + from, to - from);
      len += to - from;
    }
    if (start + n == padded) out[len++] = kBoundary;
    accumulator.Add(len, weight);
  }
}

}  // namespace

uint32_t Murmur3X86_32(const uint8_t* data, size_t len, uint32_t seed) {
  const uint32_t c1 = 0xcc9e2d51u;
  const uint32_t c2 = 0x1b873593u;
  uint32_t h = seed;
  const size_t blocks = len / 4;
  for (size_t i = 0; i < blocks; i++) {
    const uint8_t* p = data + i * 4;
    uint32_t k = static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
                 (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
    k *= c1;
    k = Rotl32(k, 15);
    k *= c2;
    h ^= k;
    h = Rotl32(h, 13);
    h = h * 5 + 0xe6546b64u;
  }
  const uint8_t* tail = data + blocks * 4;
  uint32_t k = 0;
  switch (len & 3) {
    case 3:
      k ^= static_cast<uint32_t>(tail[2]) << 16;
      [[fallthrough]];
    case 2:
      k ^= static_cast<uint32_t>(tail[1]) << 8;
      [[fallthrough]];
    case 1:
      k ^= tail[0];
      k *= c1;
      k = Rotl32(k, 15);
      k *= c2;
      h ^= k;
  }
  h ^= static_cast<uint32_t>(len);
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

void HashEmbed(const uint8_t* text, size_t len, uint32_t dims, float* out) {
  // Pass 1: code point offsets and words (maximal runs of word code points).
  Buffers& buffers = ThreadBuffers();
  std::vector<size_t>& cpOffsets = buffers.cpOffsets;
  std::vector<Word>& words = buffers.words;
  cpOffsets.clear();
  words.clear();
  bool inWord = false;
  for (size_t i = 0; i < len;) {
    uint32_t cp;
    const size_t n = DecodeUtf8(text, len, i, &cp);
    if (IsWordCodePoint(cp)) {
      if (!inWord) {
        words.push_back(Word{i, i, cpOffsets.size(), 0});
        inWord = true;
      }
      cpOffsets.push_back(i);
      Word& word = words.back();
      word.end = i + n;
      word.cpCount++;
    } else if (inWord) {
      // Close the word: its last code point needs an end offset in the table.
      cpOffsets.push_back(words.back().end);
      inWord = false;
    }
    i += n;
  }
  if (inWord) cpOffsets.push_back(words.back().end);

  // The longest feature is a bigram: 2 + len(prev) + 1 + len(word) <= 3 + len bytes.
  Accumulator accumulator(dims, len + 8, buffers);
  for (size_t w = 0; w < words.size(); w++) {
    const Word& word = words[w];
    uint8_t* scratch = accumulator.scratch();
    size_t featureLen = 0;
    scratch[featureLen++] = 'w';
    scratch[featureLen++] = ':';
    for (size_t b = word.start; b < word.end; b++) scratch[featureLen++] = text[b];
    accumulator.Add(featureLen, kWeightWord);
    if (w > 0) {
      const Word& prev = words[w - 1];
      featureLen = 0;
      scratch[featureLen++] = 'b';
      scratch[featureLen++] = ':';
      for (size_t b = prev.start; b < prev.end; b++) scratch[featureLen++] = text[b];
      scratch[featureLen++] = ' ';
      for (size_t b = word.start; b < word.end; b++) scratch[featureLen++] = text[b];
      accumulator.Add(featureLen, kWeightBigram);
    }
    AddCharGrams(accumulator, text, cpOffsets, word, 3, '3', kWeightChar3);
    AddCharGrams(accumulator, text, cpOffsets, word, 4, '4', kWeightChar4);
  }
  accumulator.Finish(out);
  if (len > kRetainBytes) {
    // Do not keep buffers sized for one huge text alive for the life of the thread.
    std::vector<size_t>().swap(buffers.cpOffsets);
    std::vector<Word>().swap(buffers.words);
    std::vector<uint8_t>().swap(buffers.scratch);
  }
}

}  // namespace fairway
