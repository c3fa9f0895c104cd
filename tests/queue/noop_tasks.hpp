// Test tasks of kind noop, one input each (/in/0, /in/1, ...), all into /out: distinct ids, no files needed.
#pragma once

#include <string>
#include <vector>

#include "queue/task.hpp"

namespace swath::test {

inline std::vector<queue::Task> noop_tasks(int count) {
  std::vector<queue::Task> out;
  for (int i = 0; i < count; ++i) {
    queue::Task t;
    t.kind = "noop";
    t.inputs = {"/in/" + std::to_string(i)};
    t.output = "/out";
    t.id = queue::make_task_id(t.kind, t.inputs, t.options, t.output);
    out.push_back(t);
  }
  return out;
}

}  // namespace swath::test
