// Connection's recovery: logging in (password, user, database, the server's readiness), the reconnect budget a
// ContactWatch shares, and reconnecting with backoff.
#include <algorithm>
#include <random>
#include <thread>

#include "log/logger.hpp"
#include "queue/connection.hpp"

namespace swath::queue {

std::chrono::steady_clock::time_point Connection::give_up_at() const {
  auto give_up = give_up_;
  if (options_.contact) {
    if (const auto since = options_.contact->lost_since_ms.load(std::memory_order_relaxed); since != 0)
      give_up = std::min(give_up, std::chrono::steady_clock::time_point(std::chrono::milliseconds(since)) +
                                      options_.reconnect_timeout);
  }
  return give_up;
}

std::chrono::milliseconds Connection::reply_timeout() const {
  const auto give_up = give_up_at();
  if (give_up == std::chrono::steady_clock::time_point::max()) return options_.command_timeout;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(give_up - std::chrono::steady_clock::now());
  return std::clamp(left, std::chrono::milliseconds(50), options_.command_timeout);  // 50 ms: one try past the end
}

void Connection::log_in() {
  checking_server_ = true;
  struct Done {
    bool& flag;
    ~Done() { flag = false; }
  } done{checking_server_};
  // A named user logs in even without a password (a `nopass` ACL user): never silently as the default user.
  if (!endpoint_.password.empty() || !endpoint_.user.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!endpoint_.user.empty()) auth.push_back(endpoint_.user);
    auth.push_back(endpoint_.password);
    const Value reply = command(auth);
    if (reply.is_error()) {
      close();
      // The reply text is Redis' own ("WRONGPASS ..."): it never echoes the password.
      throw core::IoError(
          "cannot log in to Redis at " + endpoint_.describe(),
          (endpoint_.password.empty() ? "the server refused user '" + endpoint_.user + "' without a password"
                                      : "the server refused the password from " + endpoint_.password_source) +
              " (" + reply.text + ")",
          "check SWATH_REDIS_PASSWORD, --redis-password-file or the URL's user");
    }
  }
  const Value ping = command({"PING"});
  if (ping.is_error() && (ping.text.rfind("LOADING", 0) == 0 || ping.text.rfind("MASTERDOWN", 0) == 0)) {
    // A restarting server replaying its AOF: not ready yet, try again like a refused connection (BUSY: command()).
    close();
    throw ServerNotReady("Redis at " + endpoint_.describe() + " is not ready", ping.text,
                         "wait for it to load its data");
  }
  if (ping.is_error()) {
    close();
    const bool needs_auth = ping.text.rfind("NOAUTH", 0) == 0;
    throw core::IoError("cannot use Redis at " + endpoint_.describe(),
                        needs_auth ? "the server requires a password (" + ping.text + ")" : ping.text,
                        needs_auth ? "the server requires a password: set SWATH_REDIS_PASSWORD or --redis-password-file"
                                   : "check the server");
  }
  if (endpoint_.db != 0) {
    const Value select = command({"SELECT", std::to_string(endpoint_.db)});
    if (select.is_error()) {
      close();
      throw core::UsageError("cannot select database " + std::to_string(endpoint_.db), select.text,
                             "use a database number the server has");
    }
  }
  if (!options_.client_name.empty()) command({"CLIENT", "SETNAME", options_.client_name});
}

void Connection::reconnect(const ConnectionLost& cause) {
  static thread_local std::mt19937 jitter{std::random_device{}()};
  const auto logger = log::get("queue");
  // Each try's connect and replies are cut to what is left (reply_timeout): a server that accepts but does not answer
  // takes no longer to give up on than one that refuses.
  give_up_ = std::chrono::steady_clock::now() + options_.reconnect_timeout;
  struct Reset {
    std::chrono::steady_clock::time_point& give_up;
    ~Reset() { give_up = std::chrono::steady_clock::time_point::max(); }
  } reset{give_up_};
  auto delay = std::chrono::milliseconds(100);
  std::string last_why = cause.why();  // what the last attempt met (refused, LOADING...), not only the first loss
  while (true) {
    const auto wait = delay / 2 + std::chrono::milliseconds(jitter() % (delay.count() / 2 + 1));
    // The group's loss may be older than this connection's (ContactWatch): the budget runs from the first.
    if (std::chrono::steady_clock::now() + wait > give_up_at()) {
      throw core::IoError(
          "Redis at " + endpoint_.describe() + " is unreachable",
          "no connection for " + std::to_string(options_.reconnect_timeout.count() / 1000) + " s (" + last_why + ")",
          "check the server (redis-cli ping)");
    }
    sleep_unless_giving_up(wait, last_why);
    try {
      reconnecting_for_ = last_why;
      struct Done {
        std::string& reason;
        ~Done() { reason.clear(); }
      } done{reconnecting_for_};
      open();  // logs that it reconnected
      return;
    } catch (const ConnectionLost& again) {
      last_why = again.why();
      logger->warn("still cannot reach Redis at {}: {}; next try in up to {} ms", endpoint_.describe(), again.why(),
                   std::min<long>(delay.count() * 2, 5000));
    }
    delay = std::min(delay * 2, std::chrono::milliseconds(5000));
  }
}

void Connection::sleep_unless_giving_up(std::chrono::milliseconds wait, const std::string& waiting_for) {
  const auto until = std::chrono::steady_clock::now() + wait;
  while (true) {
    if (options_.give_up && options_.give_up()) {
      // "unreachable" or still loading its data: the last attempt's reason says which.
      throw core::Interrupted("stopped while waiting for Redis at " + endpoint_.describe() + " (" + waiting_for + ")" +
                              (options_.stop_consequence.empty() ? "" : ": " + options_.stop_consequence));
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return;
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(until - now, std::chrono::milliseconds(50)));
  }
}

}  // namespace swath::queue
