// CRC-32C (Castagnoli), the checksum of every journal record.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tagforge {

uint32_t crc32c(const void* data, size_t n, uint32_t crc = 0);

}  // namespace tagforge
