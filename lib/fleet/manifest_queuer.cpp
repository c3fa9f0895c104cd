// Queueing a manifest's batches as ids and payloads (see fleet/manifest_queuer.hpp).
#include "fleet/manifest_queuer.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>

#include "core/json_lines.hpp"
#include "fleet/manifest_batches.hpp"
#include "fleet/plan_steps.hpp"

namespace swath::fleet {

namespace {

// One JSON array of strings, written directly (a manifest makes millions).
std::string json_strings(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& item : items) {
    if (out.size() > 1) out += ',';
    core::append_json_string(out, item);
  }
  return out + "]";
}

// A manifest's batches as the queue stores them: an id and a payload each, made from the options they share
// (dumped once) and their slice, never as a Task. Tasks standing for the work go to `checked`.
class ManifestQueuer {
 public:
  ManifestQueuer(const PlanOptions& options, const std::string& path, std::int64_t now_ms, QueuePlan& out,
                 const std::function<void(queue::QueuedTask&&, const queue::Task*)>& add)
      : options_(options), path_(path), now_ms_(now_ms), out_(out), add_(add) {}

  void run() {
    const auto header =
        for_each_batch(path_, options_.kind, options_.tiles_per_task,
                       [&](const core::Json& h, ManifestBatch&& batch) { this->batch(h, std::move(batch)); });
    if (!work_) (void)manifest_task_options(options_.kind, options_.options, options_.given, header, path_);
    // Tile: a task per scene selecting the largest index its batches select (check_scene_fits looks at that).
    for (auto& [scene, largest] : largest_) {
      core::Json options = work_->base;
      options.set("only_indices", core::Json(core::Json::Array{core::Json(largest)}));
      out_.checked.push_back(make_task(options_, {scene}, std::move(options), now_ms_, work_->job));
      out_.checked.back().tiles_per_task = static_cast<std::int64_t>(options_.tiles_per_task);
    }
    if (detect_) {
      // Labelled as the queued batches are (each input a manifest's tile), so it is checked as one.
      detect_->options.set("tiles", core::Json(std::move(detect_labels_)));
      out_.checked.push_back(std::move(*detect_));
    }
  }

 private:
  struct Work {
    core::Json base;  // the options every batch has
    std::string job;
    queue::TaskIdMaker ids;
    std::string shard;  // the slice's members the base holds (a shard), before the batch's own
    bool slow;          // the base holds a key a batch sets: each batch made as a Task (make_task's order)
  };

  void batch(const core::Json& header, ManifestBatch&& batch) {
    if (!work_) {
      auto base = manifest_task_options(options_.kind, options_.options, options_.given, header, path_);
      std::string shard;
      if (const auto* value = base.find("shard");
          value != nullptr && !(value->is_string() && value->as_string().empty()))
        shard = "\"shard\":" + value->dump();
      const bool slow = base.find("only_indices") != nullptr || base.find("tiles") != nullptr;
      const std::string job = job_of(options_, base);
      work_.emplace(Work{base, job, queue::TaskIdMaker(options_.kind, base, options_.output), shard, slow});
    }
    auto& work = *work_;
    std::string member;
    if (options_.kind == "tile") {
      member = "\"only_indices\":[";
      for (const auto index : batch.indices) {
        if (member.back() != '[') member += ',';
        char digits[24];
        member.append(digits, std::to_chars(digits, digits + sizeof digits, index).ptr);
      }
      member += ']';
      if (!batch.fingerprint.empty()) {
        member += ",\"scene_fingerprint\":";
        core::append_json_string(member, batch.fingerprint);
      }
      // Consecutive batches mostly share a scene: looked up again only when it changes.
      if (largest_at_ == largest_.end() || largest_at_->first != batch.inputs.front())
        largest_at_ = largest_.try_emplace(batch.inputs.front(), 0).first;
      largest_at_->second =
          std::max(largest_at_->second, *std::max_element(batch.indices.begin(), batch.indices.end()));
    } else {
      if (options_.kind == "detect") {
        if (!detect_) detect_ = make_task(options_, {}, work.base, now_ms_, work.job);
        detect_->inputs.insert(detect_->inputs.end(), batch.inputs.begin(), batch.inputs.end());
        detect_labels_.insert(detect_labels_.end(), batch.lines.begin(), batch.lines.end());
      }
      member = "\"tiles\":" + core::Json(std::move(batch.lines)).dump();
    }
    if (work.slow || !first_done_) {
      // The first batch as a Task: the job's meta is its (as make_task and job_meta_json make it).
      core::Json options = work.base;
      if (!member.empty()) {
        const auto slice = core::Json::parse("{" + member + "}");
        for (const auto& [key, value] : slice.as_object()) options.set(key, value);
      }
      auto task = make_task(options_, std::move(batch.inputs), std::move(options), now_ms_, work.job);
      first_done_ = true;
      add_(queue::queued(task), &task);
      return;
    }
    if (batch.inputs != last_inputs_) {  // consecutive batches mostly read the same scene: written once for them
      inputs_json_ = json_strings(batch.inputs);
      last_inputs_ = std::move(batch.inputs);
    }
    std::string payload;
    payload.reserve(inputs_json_.size() + work.shard.size() + member.size() + 4);
    payload += inputs_json_;
    if (!work.shard.empty() || !member.empty()) {
      payload += "\t{";
      payload += work.shard;
      if (!work.shard.empty() && !member.empty()) payload += ',';
      payload += member;
      payload += '}';
    }
    add_({work.ids.id(inputs_json_, member), std::move(payload), 0, options_.priority}, nullptr);
  }

  const PlanOptions& options_;
  const std::string& path_;
  std::int64_t now_ms_;
  QueuePlan& out_;
  const std::function<void(queue::QueuedTask&&, const queue::Task*)>& add_;
  std::optional<Work> work_;
  bool first_done_ = false;
  std::map<std::string, std::int64_t> largest_;  // tile: scene → the largest index its batches select
  std::map<std::string, std::int64_t>::iterator largest_at_ = largest_.end();  // the last batch's scene
  std::vector<std::string> last_inputs_;                                       // the last batch's inputs...
  std::string inputs_json_;                                                    // ...as a JSON array
  std::optional<queue::Task> detect_;  // detect: a task with every batch's inputs
  core::Json::Array detect_labels_;    // and their labels
};

}  // namespace

void queue_manifest(const PlanOptions& options, const std::string& path, std::int64_t now_ms, QueuePlan& out,
                    const std::function<void(queue::QueuedTask&&, const queue::Task*)>& add) {
  ManifestQueuer(options, path, now_ms, out, add).run();
}

}  // namespace swath::fleet
