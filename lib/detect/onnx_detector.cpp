// ONNX detection: letterbox the window into the model's input, run one network per thread, decode
// YOLOv5 rows, keep the best per object within the window (NMS); merging across windows happens later.
#include "detect/onnx_detector.hpp"

#include <oneapi/tbb/enumerable_thread_specific.h>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <numeric>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/sha256.hpp"
#include "log/logger.hpp"

namespace swath::detect {

struct OnnxDetector::Nets {
  std::string bytes;
  tbb::enumerable_thread_specific<std::optional<cv::dnn::Net>> per_thread;
  std::atomic<double> inference_seconds{0};

  cv::dnn::Net& local() {
    auto& slot = per_thread.local();
    if (!slot) {
      slot = cv::dnn::readNetFromONNX(bytes.data(), bytes.size());
      slot->setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    }
    return *slot;
  }
};

namespace {

constexpr float kPad = 114.0f;  // YOLOv5's letterbox grey

struct Box {
  int cls = 0;
  float score = 0;
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

float iou(const Box& a, const Box& b) {
  const float w = std::min(a.x1, b.x1) - std::max(a.x0, b.x0), h = std::min(a.y1, b.y1) - std::max(a.y0, b.y0);
  if (w <= 0 || h <= 0) return 0;
  const float i = w * h;
  return i / ((a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - i);
}

// Per-class NMS, best first, ties by position in the output (deterministic).
std::vector<Box> nms(std::vector<Box> boxes, float threshold) {
  std::vector<std::size_t> order(boxes.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return boxes[a].score > boxes[b].score; });
  std::vector<Box> kept;
  for (std::size_t i : order) {
    const auto& b = boxes[i];
    if (std::none_of(kept.begin(), kept.end(), [&](const Box& k) { return k.cls == b.cls && iou(k, b) > threshold; }))
      kept.push_back(b);
  }
  return kept;
}

}  // namespace

OnnxDetector::OnnxDetector(OnnxOptions options) : options_(std::move(options)), nets_(std::make_unique<Nets>()) {
  if (options_.card.empty()) {
    throw core::UsageError("--detector onnx", "no model card given",
                           "pass --model models/vehicles.yaml (a YAML card beside the .onnx)");
  }
  card_ = load_model_card(options_.card);
  nets_->bytes = read_model(card_);
  check_model(card_, nets_->bytes);  // every mismatch with the card is reported here, before any window runs
  cv::setNumThreads(1);              // parallelism comes from the pipeline: one network per thread
}

OnnxDetector::~OnnxDetector() = default;

void OnnxDetector::prepare(const raster::SceneInfo& scene, const SceneMeasure& measure) {
  for (int band : card_.bands) {
    if (band < 1 || band > scene.band_count) {
      throw core::UsageError(
          "model card '" + card_.path + "'",
          "it feeds band " + std::to_string(band) + " but scene '" + scene.path + "' has " +
              std::to_string(scene.band_count),
          "give the model scenes of the bands it was trained on, or a card whose 'bands' the scene has");
    }
  }
  if (scene.data_type != GDT_Byte) {
    log::get("detect")->warn("scene '{}' is not 8-bit: the model sees its values clipped to 0..255", scene.path);
    for (int band : card_.bands) {
      const auto& nodata = scene.nodata[static_cast<std::size_t>(band - 1)];
      if (nodata && !(*nodata >= 0 && *nodata <= 255 && std::floor(*nodata) == *nodata)) {
        log::get("detect")->warn(
            "scene '{}': band {}'s nodata {} cannot be told apart once clipped to 8 bits: "
            "objects on it are not dropped (make the scene 8-bit with nodata 0..255)",
            scene.path, band, *nodata);
        break;
      }
    }
  }
  // In pixel coordinates (no CRS) the pixel size is not known: nothing to compare.
  if (card_.pixel_metres > 0 && scene.georeferenced() &&
      std::abs(measure.pixel_metres() / card_.pixel_metres - 1) > 0.25) {
    log::get("detect")->warn("scene '{}' has {:.3g} m pixels; the model was trained on {:.3g} m", scene.path,
                             measure.pixel_metres(), card_.pixel_metres);
  }
}

std::vector<int> OnnxDetector::bands(const SceneMeasure&) const { return card_.bands; }

// The largest square window the input holds unshrunk (a 256×128 input: 128).
std::int64_t OnnxDetector::preferred_window() const { return std::min(card_.input_width, card_.input_height); }

double OnnxDetector::inference_seconds() const { return nets_->inference_seconds.load(); }

std::vector<Candidate> OnnxDetector::detect(const WindowPixels& pixels, const SceneMeasure&) const {
  const auto& block = pixels.block;
  const int w = static_cast<int>(block.window.width), h = static_cast<int>(block.window.height);
  const int in_w = card_.input_width, in_h = card_.input_height;
  // Shrunk to fit, never enlarged: a scene's corner window (smaller than the input) padded, its objects at the
  // size the model knows.
  const float ratio = std::min(
      {1.0f, static_cast<float>(in_w) / static_cast<float>(w), static_cast<float>(in_h) / static_cast<float>(h)});
  const int new_w = std::max(1, static_cast<int>(std::lround(static_cast<float>(w) * ratio)));
  const int new_h = std::max(1, static_cast<int>(std::lround(static_cast<float>(h) * ratio)));
  const int channels = static_cast<int>(card_.bands.size());
  const int shape[] = {1, channels, in_h, in_w};
  thread_local cv::Mat blob;  // reused: a fresh blob per window costs page faults comparable to the decode
  blob.create(4, shape, CV_32F);
  for (int c = 0; c < channels; ++c) {
    cv::Mat plane(in_h, in_w, CV_32F, blob.ptr<float>(0, c));
    const cv::Mat band(h, w, CV_8U, const_cast<std::byte*>(block.band_data(static_cast<std::size_t>(c))));
    if (new_w == w && new_h == h) {
      band.convertTo(plane(cv::Rect(0, 0, w, h)), CV_32F, card_.scale);
    } else {
      thread_local cv::Mat scaled;
      band.convertTo(scaled, CV_32F, card_.scale);
      cv::resize(scaled, plane(cv::Rect(0, 0, new_w, new_h)), cv::Size(new_w, new_h), 0, 0, cv::INTER_LINEAR);
    }
    // Letterbox padding right and below the image.
    const float pad = static_cast<float>(kPad * card_.scale);
    if (new_w < in_w) plane(cv::Rect(new_w, 0, in_w - new_w, in_h)).setTo(cv::Scalar(pad));
    if (new_h < in_h) plane(cv::Rect(0, new_h, new_w, in_h - new_h)).setTo(cv::Scalar(pad));
  }
  auto& net = nets_->local();
  const auto start = std::chrono::steady_clock::now();
  net.setInput(blob);
  const cv::Mat out = net.forward();
  nets_->inference_seconds.fetch_add(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());

  const float threshold =
      static_cast<float>(options_.score_threshold >= 0 ? options_.score_threshold : card_.score_threshold);
  const int rows = out.size[1], columns = out.size[2];
  std::vector<Box> boxes;
  for (int r = 0; r < rows; ++r) {
    const float* row = out.ptr<float>(0, r);
    if (!(row[4] >= threshold)) continue;  // written so that a NaN (a broken model's) is no detection
    const auto best = std::max_element(row + 5, row + columns);
    const float score = row[4] * *best;
    if (!(score >= threshold)) continue;
    Box b;
    b.cls = static_cast<int>(best - (row + 5));
    b.score = score;
    b.x0 = std::clamp((row[0] - row[2] / 2) / ratio, 0.0f, static_cast<float>(w));
    b.y0 = std::clamp((row[1] - row[3] / 2) / ratio, 0.0f, static_cast<float>(h));
    b.x1 = std::clamp((row[0] + row[2] / 2) / ratio, 0.0f, static_cast<float>(w));
    b.y1 = std::clamp((row[1] + row[3] / 2) / ratio, 0.0f, static_cast<float>(h));
    if (b.x1 - b.x0 >= 1 && b.y1 - b.y0 >= 1) boxes.push_back(b);
  }
  std::vector<Candidate> found;
  for (const auto& b : nms(std::move(boxes), static_cast<float>(card_.nms_iou))) {
    Candidate c;
    c.cls = card_.classes[static_cast<std::size_t>(b.cls)];
    c.score = b.score;
    // Rounded to 1/100 pixel so tiny float differences cannot change the output bytes.
    auto at = [](float v, std::int64_t offset) {
      return std::round(static_cast<double>(v) * 100) / 100 + static_cast<double>(offset);
    };
    c.x0 = at(b.x0, block.window.x), c.y0 = at(b.y0, block.window.y);
    c.x1 = at(b.x1, block.window.x), c.y1 = at(b.y1, block.window.y);
    found.push_back(std::move(c));
  }
  return found;
}

core::Json OnnxDetector::options_json() const {
  core::Json classes = core::Json::array();
  for (const auto& c : card_.classes) classes.push_back(c);
  core::Json bands = core::Json::array();
  for (int b : card_.bands) bands.push_back(b);
  return core::Json::Object{
      {"model_sha256", core::sha256_hex(nets_->bytes)},
      {"input", std::to_string(card_.input_width) + "x" + std::to_string(card_.input_height)},
      {"bands", bands},
      {"scale", card_.scale},
      {"classes", classes},
      {"score_threshold", options_.score_threshold >= 0 ? options_.score_threshold : card_.score_threshold},
      {"nms_iou", card_.nms_iou}};
}

}  // namespace swath::detect
