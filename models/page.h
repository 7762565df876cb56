// Page arithmetic with the WDK's names (wdm.h macros), for an x86/x64 host with 4 KiB pages.
#pragma once

#include <cstdint>

namespace dmasim {

constexpr std::uint64_t PAGE_SIZE = 4096;
constexpr unsigned PAGE_SHIFT = 12;

constexpr std::uint64_t BYTE_OFFSET(std::uint64_t va) {
  return va & (PAGE_SIZE - 1);
}
constexpr std::uint64_t PAGE_ALIGN(std::uint64_t va) {
  return va & ~(PAGE_SIZE - 1);
}
constexpr std::uint64_t BYTES_TO_PAGES(std::uint64_t size) {
  return (size >> PAGE_SHIFT) + ((size & (PAGE_SIZE - 1)) != 0);
}
// Pages spanned by [va, va + size): the count StartDma charges against the map registers.
constexpr std::uint64_t ADDRESS_AND_SIZE_TO_SPAN_PAGES(std::uint64_t va, std::uint64_t size) {
  return size == 0 ? 0 : BYTES_TO_PAGES(BYTE_OFFSET(va) + size);
}

// DESIGN.md chunking rule: StartDma/CompleteDma cycles for one request with N map registers.
constexpr std::uint64_t chunks_for_request(std::uint64_t offset, std::uint64_t size,
                                           std::uint64_t map_registers) {
  const std::uint64_t pages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(offset, size);
  return (pages + map_registers - 1) / map_registers;
}

}  // namespace dmasim
