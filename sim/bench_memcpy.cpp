// The speed reference of sim/bench.sh: a plain memcpy of SIZE bytes in 4 KiB pages from a
// touched source into a fresh (untouched) destination, as the simulator fills fresh VRAM and
// buffers, then again into the same, now mapped, destination. Prints both times in seconds.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

int main(int argc, char** argv) {
  const std::size_t size = argc > 1 ? std::strtoull(argv[1], nullptr, 0) : (1ULL << 30);
  std::vector<unsigned char> src(size, 0x5A);
  auto* dst = static_cast<unsigned char*>(std::malloc(size));
  if (!dst) return 1;
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t off = 0; off < size; off += 4096) std::memcpy(dst + off, src.data() + off, 4096);
  const double cold = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto t1 = std::chrono::steady_clock::now();  // again, into memory now mapped
  for (std::size_t off = 0; off < size; off += 4096) std::memcpy(dst + off, src.data() + off, 4096);
  const double warm = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  std::printf("%.6f %.6f\n", cold, warm + 0 * dst[size / 2]);
  std::free(dst);
  return 0;
}
