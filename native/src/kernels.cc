// Dot product and exact top-k over a row-major float32 matrix. The summation order is part of the
// contract (native/README.md) so the TypeScript fallback reproduces every score bit for bit.
#include "kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace fairway {
namespace {

inline double RankKey(double score) {
  return std::isnan(score) ? -std::numeric_limits<double>::infinity() : score;
}

// True when x ranks strictly before y.
inline bool Better(const ScoredIndex& x, const ScoredIndex& y) {
  const double kx = RankKey(x.score);
  const double ky = RankKey(y.score);
  if (kx != ky) return kx > ky;
  return x.index < y.index;
}

}  // namespace

double Dot(const float* a, const float* b, size_t dims) {
  double lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= dims; i += 8) {
    for (size_t j = 0; j < 8; j++) {
      lane[j] += static_cast<double>(a[i + j]) * static_cast<double>(b[i + j]);
    }
  }
  for (size_t j = 0; i < dims; i++, j++) {
    lane[j] += static_cast<double>(a[i]) * static_cast<double>(b[i]);
  }
  return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
}

std::vector<ScoredIndex> TopK(const float* query, const float* matrix, size_t n, size_t dims, size_t k) {
  std::vector<ScoredIndex> heap;  // worst kept entry at the front (a min-heap under Better)
  if (k == 0 || n == 0) return heap;
  k = std::min(k, n);
  heap.reserve(k);
  for (size_t row = 0; row < n; row++) {
    const ScoredIndex entry{Dot(query, matrix + row * dims, dims), static_cast<int32_t>(row)};
    if (heap.size() < k) {
      heap.push_back(entry);
      std::push_heap(heap.begin(), heap.end(), Better);
    } else if (Better(entry, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), Better);
      heap.back() = entry;
      std::push_heap(heap.begin(), heap.end(), Better);
    }
  }
  std::sort(heap.begin(), heap.end(), Better);
  return heap;
}

}  // namespace fairway
