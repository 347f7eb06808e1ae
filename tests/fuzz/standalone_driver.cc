// Runs a libFuzzer-style target without libFuzzer: seeds, then random
// mutations of them, for a fixed number of iterations with a fixed seed, so
// every CI run exercises the parser with the same many thousand inputs.
// Build with -DTAGFORGE_LIBFUZZER=ON (clang) for real coverage-guided fuzzing.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
std::vector<std::string> fuzz_seeds();

int main(int argc, char** argv) {
  const long iterations = argc > 1 ? std::atol(argv[1]) : 20000;
  std::mt19937_64 rng(0x7a6f);
  auto seeds = fuzz_seeds();
  seeds.push_back("");
  for (const auto& s : seeds) LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  for (long i = 0; i < iterations; ++i) {
    std::string s = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 5) {
        case 0: if (!s.empty()) s[rng() % s.size()] = static_cast<char>(rng()); break;
        case 1: if (!s.empty()) s.resize(rng() % s.size()); break;
        case 2: s.insert(s.begin() + static_cast<long>(s.empty() ? 0 : rng() % s.size()), static_cast<char>(rng())); break;
        case 3: if (!s.empty()) s[rng() % s.size()] ^= static_cast<char>(1 << (rng() % 8)); break;
        default: s += seeds[rng() % seeds.size()].substr(0, 16); break;
      }
    }
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
  std::printf("%ld inputs ok\n", iterations + static_cast<long>(seeds.size()));
  return 0;
}
