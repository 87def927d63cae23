// N-API bindings (node-addon-api) for the hash embedder and vector kernels. Owns argument checking
// and conversion only; the algorithms live in hash-embed.cc and kernels.cc. Text arrives already
// normalized (NFKC + lowercase) from native/index.ts. No global mutable state: safe in workers.
#include <napi.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "hash-embed.h"
#include "kernels.h"

namespace {

constexpr uint32_t kMaxDims = 65536;

Napi::Value ThrowType(Napi::Env env, const char* message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value ThrowRange(Napi::Env env, const std::string& message) {
  Napi::RangeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

// Reads a non-negative integer argument; false when it is not one.
bool ReadCount(const Napi::Value& value, double max, size_t* out) {
  if (!value.IsNumber()) return false;
  const double d = value.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > max || std::floor(d) != d) return false;
  *out = static_cast<size_t>(d);
  return true;
}

bool IsFloat32Array(const Napi::Value& value) {
  return value.IsTypedArray() && value.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array;
}

bool ReadDims(const Napi::Value& value, uint32_t* dims) {
  size_t d;
  if (!ReadCount(value, kMaxDims, &d) || d == 0) return false;
  *dims = static_cast<uint32_t>(d);
  return true;
}

// embed(normalizedText: string, dims: number): Float32Array
Napi::Value Embed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString()) return ThrowType(env, "embed(text, dims): text must be a string");
  uint32_t dims;
  if (!ReadDims(info[1], &dims)) return ThrowRange(env, "dims must be an integer in [1, 65536]");
  const std::string text = info[0].As<Napi::String>().Utf8Value();
  Napi::Float32Array out = Napi::Float32Array::New(env, dims);
  fairway::HashEmbed(reinterpret_cast<const uint8_t*>(text.data()), text.size(), dims, out.Data());
  return out;
}

// embedBatch(normalizedTexts: string[], dims: number): Float32Array (n * dims, row-major)
Napi::Value EmbedBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsArray()) {
    return ThrowType(env, "embedBatch(texts, dims): texts must be an array of strings");
  }
  uint32_t dims;
  if (!ReadDims(info[1], &dims)) return ThrowRange(env, "dims must be an integer in [1, 65536]");
  Napi::Array texts = info[0].As<Napi::Array>();
  const uint32_t n = texts.Length();
  for (uint32_t i = 0; i < n; i++) {
    if (!texts.Get(i).IsString()) return ThrowType(env, "embedBatch(texts, dims): texts must be an array of strings");
  }
  Napi::Float32Array out = Napi::Float32Array::New(env, static_cast<size_t>(n) * dims);
  for (uint32_t i = 0; i < n; i++) {
    const std::string text = texts.Get(i).As<Napi::String>().Utf8Value();
    fairway::HashEmbed(reinterpret_cast<const uint8_t*>(text.data()), text.size(), dims,
                       out.Data() + static_cast<size_t>(i) * dims);
  }
  return out;
}

// dot(a: Float32Array, b: Float32Array): number
Napi::Value Dot(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !IsFloat32Array(info[0]) || !IsFloat32Array(info[1])) {
    return ThrowType(env, "dot(a, b): a and b must be Float32Arrays");
  }
  Napi::Float32Array a = info[0].As<Napi::Float32Array>();
  Napi::Float32Array b = info[1].As<Napi::Float32Array>();
  if (a.ElementLength() != b.ElementLength()) return ThrowRange(env, "dot(a, b): lengths differ");
  return Napi::Number::New(env, fairway::Dot(a.Data(), b.Data(), a.ElementLength()));
}

// topK(query: Float32Array, matrix: Float32Array, n: number, k: number): { indices, scores }
Napi::Value TopK(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !IsFloat32Array(info[0]) || !IsFloat32Array(info[1])) {
    return ThrowType(env, "topK(query, matrix, n, k): query and matrix must be Float32Arrays");
  }
  Napi::Float32Array query = info[0].As<Napi::Float32Array>();
  Napi::Float32Array matrix = info[1].As<Napi::Float32Array>();
  size_t n;
  size_t k;
  if (!ReadCount(info[2], 2147483647.0, &n)) return ThrowRange(env, "topK: n must be a non-negative integer");
  if (!ReadCount(info[3], 9007199254740991.0, &k)) return ThrowRange(env, "topK: k must be a non-negative integer");
  const size_t dims = query.ElementLength();
  if (dims == 0) return ThrowRange(env, "topK: query must not be empty");
  if (n > matrix.ElementLength() / dims) return ThrowRange(env, "topK: matrix holds fewer than n rows of query.length");
  const std::vector<fairway::ScoredIndex> best = fairway::TopK(query.Data(), matrix.Data(), n, dims, k);
  Napi::Int32Array indices = Napi::Int32Array::New(env, best.size());
  Napi::Float32Array scores = Napi::Float32Array::New(env, best.size());
  for (size_t i = 0; i < best.size(); i++) {
    indices[i] = best[i].index;
    // NaN scores are reported as the canonical quiet NaN (0x7FC00000), as in the fallback.
    scores[i] = std::isnan(best[i].score) ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(best[i].score);
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("indices", indices);
  result.Set("scores", scores);
  return result;
}

// murmur3(bytes: Uint8Array, seed: number): number (unsigned 32-bit), exposed for conformance tests.
Napi::Value Murmur3(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array || !info[1].IsNumber()) {
    return ThrowType(env, "murmur3(bytes, seed): bytes must be a Uint8Array and seed a number");
  }
  Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
  const uint32_t seed = info[1].As<Napi::Number>().Uint32Value();
  return Napi::Number::New(env, fairway::Murmur3X86_32(bytes.Data(), bytes.ElementLength(), seed));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("embed", Napi::Function::New(env, Embed, "embed"));
  exports.Set("embedBatch", Napi::Function::New(env, EmbedBatch, "embedBatch"));
  exports.Set("dot", Napi::Function::New(env, Dot, "dot"));
  exports.Set("topK", Napi::Function::New(env, TopK, "topK"));
  exports.Set("murmur3", Napi::Function::New(env, Murmur3, "murmur3"));
  exports.Set("hashSeed", Napi::Number::New(env, fairway::kHashSeed));
  return exports;
}

}  // namespace

NODE_API_MODULE(fairway_native, Init)
