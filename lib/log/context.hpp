// The log context: fields (trace_id, task_id, scene, tile, attempt, ...) added to every log line in a scope.
// A Context is an immutable snapshot; it travels with a work item into whichever thread runs it,
// where a ContextGuard installs it and restores the thread's previous context on exit, so nothing
// leaks between tasks when TBB steals work.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swath::log {

struct Field {
  Field(std::string k, std::string v) : key(std::move(k)), value(std::move(v)) {}
  Field(std::string k, const char* v) : key(std::move(k)), value(v) {}
  Field(std::string k, std::int64_t v) : key(std::move(k)), value(std::to_string(v)), numeric(true) {}
  Field(std::string k, int v) : Field(std::move(k), static_cast<std::int64_t>(v)) {}
  std::string key;
  std::string value;
  bool numeric = false;  // written as a JSON number
};

class Context {
 public:
  Context() = default;
  // A new context with `fields` added; a field whose key exists replaces the old value.
  Context with(std::initializer_list<Field> fields) const;
  Context with(const std::vector<Field>& fields) const;
  const std::vector<Field>& fields() const;
  std::string get(std::string_view key) const;  // "" when absent
  bool empty() const { return !fields_ || fields_->empty(); }

 private:
  std::shared_ptr<const std::vector<Field>> fields_;
};

// The context of the calling thread.
Context current();

// Installs `context` in this thread for the guard's lifetime; restores the previous one after.
class ContextGuard {
 public:
  explicit ContextGuard(Context context);
  ~ContextGuard();
  ContextGuard(const ContextGuard&) = delete;
  ContextGuard& operator=(const ContextGuard&) = delete;

 private:
  Context previous_;
};

// Adds fields to this thread's context for a scope: `log::Scope scope{{"scene", path}};`.
class Scope {
 public:
  Scope(std::initializer_list<Field> fields);
  explicit Scope(const std::vector<Field>& fields);

 private:
  ContextGuard guard_;
};

// Wraps `fn` so that it runs under `context` in whatever thread calls it.
template <class Fn>
auto bind(Context context, Fn fn) {
  return [context = std::move(context), fn = std::move(fn)](auto&&... args) -> decltype(auto) {
    ContextGuard guard(context);
    return fn(std::forward<decltype(args)>(args)...);
  };
}

}  // namespace swath::log
