// Vector kernels: dot product with a fixed 8-lane float64 summation order and exact top-k by dot
// score. Pure C++ (no N-API); must stay bit-for-bit identical to native/fallback.ts.
#ifndef FAIRWAY_KERNELS_H_
#define FAIRWAY_KERNELS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fairway {

// sum over i of a[i]*b[i], lane (i mod 8) accumulates in float64, lanes combined as
// ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7)).
double Dot(const float* a, const float* b, size_t dims);

struct ScoredIndex {
  double score;
  int32_t index;
};

// The k best rows of matrix (n rows of dims floats) by Dot with query: descending score, ties by
// lower index, NaN ranked as -Infinity. Returns min(k, n) entries.
std::vector<ScoredIndex> TopK(const float* query, const float* matrix, size_t n, size_t dims, size_t k);

}  // namespace fairway

#endif  // FAIRWAY_KERNELS_H_
