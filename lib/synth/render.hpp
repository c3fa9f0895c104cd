// Rendering synthetic scenes: backgrounds and objects into band-sequential pixel buffers.
#pragma once

#include <cstdint>
#include <vector>

#include "core/geo.hpp"
#include "synth/synth.hpp"

namespace swath::synth {

struct Rendered {
  int bands = 1;
  std::vector<std::uint16_t> sar;     // 1 band
  std::vector<std::uint8_t> optical;  // 3 bands, band-sequential
  std::vector<core::Window> boxes;    // per object: pixels at least half covered by it
};

// Throws core::Interrupted when `options.stop` asks; polled once per row.
Rendered render(const SynthOptions& options, const std::vector<SynthObject>& objects);

// Throws core::Interrupted (after saying in the log that nothing was written) when `options.stop` asks.
void throw_if_stopped(const SynthOptions& options);

}  // namespace swath::synth
