// A small seeded PRNG (xoshiro256** seeded by splitmix64) and the few distributions synth needs.
// Written here rather than std:: distributions, whose output differs between standard libraries.
#pragma once

#include <cmath>
#include <cstdint>

namespace swath::synth {

inline std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    for (auto& word : s_) word = splitmix64(seed);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1), 53 bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n).
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
  // Exponential with mean 1.
  double exponential() { return -std::log1p(-uniform()); }
  // Gamma with integer shape `looks` and mean 1: the speckle of an L-look intensity image.
  double gamma_looks(int looks) {
    double sum = 0;
    for (int i = 0; i < looks; ++i) sum += exponential();
    return sum / looks;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4]{};
};

// A hash of (seed, x, y) for stateless value noise: the same lattice value whichever order pixels are drawn.
inline double lattice_value(std::uint64_t seed, std::int64_t x, std::int64_t y) {
  std::uint64_t state = seed ^ (static_cast<std::uint64_t>(x) * 0x9E3779B97F4A7C15ULL) ^
                        (static_cast<std::uint64_t>(y) * 0xC2B2AE3D27D4EB4FULL);
  return static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53;
}

}  // namespace swath::synth
