// The pixel arithmetic of a block's canvas: halving it for the zoom above, and reading its alpha.
#include <opencv2/imgproc.hpp>

#include <array>
#include <cstdint>
#include <cstring>

#include "webmap/block.hpp"

namespace swath::webmap {

namespace {

// 2×2 mode of whole pixels: the most frequent of the four, the first of them on a tie.
cv::Mat reduce_mode(const cv::Mat& canvas) {
  const int channels = canvas.channels();
  cv::Mat out(canvas.rows / 2, canvas.cols / 2, canvas.type());
  for (int y = 0; y < out.rows; ++y) {
    for (int x = 0; x < out.cols; ++x) {
      std::array<const std::uint8_t*, 4> p = {canvas.ptr(2 * y, 2 * x), canvas.ptr(2 * y, 2 * x + 1),
                                              canvas.ptr(2 * y + 1, 2 * x), canvas.ptr(2 * y + 1, 2 * x + 1)};
      int best = 0, best_count = 0;
      for (int i = 0; i < 4; ++i) {
        int count = 0;
        for (int j = 0; j < 4; ++j)
          count += std::memcmp(p[static_cast<std::size_t>(i)], p[static_cast<std::size_t>(j)],
                               static_cast<std::size_t>(channels)) == 0;
        if (count > best_count) best = i, best_count = count;
      }
      std::memcpy(out.ptr(y, x), p[static_cast<std::size_t>(best)], static_cast<std::size_t>(channels));
    }
  }
  return out;
}

// Whether any pixel's alpha (the last channel) passes `test`.
template <class Test>
bool any_alpha(const cv::Mat& pixels, Test test) {
  const int channels = pixels.channels();
  for (int y = 0; y < pixels.rows; ++y) {
    const std::uint8_t* row = pixels.ptr(y);
    for (int x = 0; x < pixels.cols; ++x) {
      if (test(row[x * channels + channels - 1])) return true;
    }
  }
  return false;
}

}  // namespace

cv::Mat reduce(const cv::Mat& canvas, Resampling resampling) {
  if (resampling == Resampling::mode) return reduce_mode(canvas);
  const int interpolation = resampling == Resampling::near       ? cv::INTER_NEAREST
                            : resampling == Resampling::bilinear ? cv::INTER_LINEAR
                            : resampling == Resampling::cubic    ? cv::INTER_CUBIC
                                                                 : cv::INTER_AREA;
  cv::Mat out;
  cv::resize(canvas, out, cv::Size(canvas.cols / 2, canvas.rows / 2), 0, 0, interpolation);
  return out;
}

bool has_data(const cv::Mat& pixels) {
  return any_alpha(pixels, [](std::uint8_t a) { return a != 0; });
}

bool fully_opaque(const cv::Mat& pixels) {
  return !any_alpha(pixels, [](std::uint8_t a) { return a != 255; });
}

}  // namespace swath::webmap
