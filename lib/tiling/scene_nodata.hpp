// A scene's nodata as its tiles declare it: values a band's type cannot hold, one value per GTiff tile, padding.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "raster/scene.hpp"
#include "tiling/options.hpp"
#include "tiling/scene_setup.hpp"

namespace swath::tiling {

// Band `band`'s nodata (1-based), or none when no pixel of the band's type can hold it (-9999, 256 or 1.5 in a Byte
// band: it marks no pixel), said in `warnings`.
std::optional<double> usable_nodata(const raster::SceneInfo& info, int band, std::vector<std::string>& warnings);

// Throws DataError naming the scene when its written `bands` declare different nodata values and the tiles are GTiff
// or COG, which declare one for all bands.
void refuse_nodata_per_band(const raster::SceneInfo& info, const std::vector<int>& bands, Format format);

// Throws DataError naming the scene when it is a palette scene whose colour table its tiles would lose: JPEG or
// WEBP, indices scaled to 8 bits, or several output bands (its values would read as grey).
void refuse_palette_loss(const raster::SceneInfo& info, const std::vector<int>& bands, Format format);

// Declares nodata 0 on the padding of a scene without nodata (scene.look.padding_nodata), where it applies (not for a
// palette, whose index 0 is a colour).
void mark_padding(TileScene& scene, const TileOptions& options);

}  // namespace swath::tiling
