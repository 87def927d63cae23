// Feature-hashing text embedder (see native/README.md for the exact algorithm). Pure C++: owns the
// algorithm only, knows nothing about N-API, and must stay bit-for-bit identical to native/fallback.ts.
#ifndef FAIRWAY_HASH_EMBED_H_
#define FAIRWAY_HASH_EMBED_H_

#include <cstddef>
#include <cstdint>

namespace fairway {

constexpr uint32_t kHashSeed = 0x66776179u;  // "fway"

// MurmurHash3 x86_32 over `len` bytes.
uint32_t Murmur3X86_32(const uint8_t* data, size_t len, uint32_t seed);

// Embeds already-normalized UTF-8 text into out[0..dims): float64 accumulation, L2-normalized,
// rounded once to float32. `out` must hold `dims` floats; dims >= 1.
void HashEmbed(const uint8_t* text, size_t len, uint32_t dims, float* out);

}  // namespace fairway

#endif  // FAIRWAY_HASH_EMBED_H_
