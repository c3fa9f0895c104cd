// Small text helpers: trimming, case, splitting, and the closest known word for "did you mean ...?" hints.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swath::core {

// `text` without leading and trailing `blanks`.
std::string trim(std::string_view text, std::string_view blanks = " \t");
// ASCII lower case.
std::string to_lower(std::string text);
std::string to_upper(std::string text);
// "a,,b" → {"a", "", "b"}: every item, empty ones included.
std::vector<std::string> split(std::string_view text, char separator);
// {"a", "b"} → "a, b" with the default separator.
std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");

// The whole of `text` as a finite double; nothing for partial, malformed or non-finite text.
std::optional<double> parse_double(std::string_view text);

// The length of the well-formed UTF-8 sequence starting at text[at] (1 for ASCII), 0 when the bytes there are not
// one: a stray continuation byte, a truncated, overlong or surrogate sequence, or beyond U+10FFFF.
std::size_t utf8_sequence_length(std::string_view text, std::size_t at);
// `text` with each byte that is not part of well-formed UTF-8 replaced by U+FFFD: a file name in Latin-1 still makes
// valid JSON and GeoJSON (RFC 8259 and 7946 require UTF-8).
std::string valid_utf8(std::string_view text);
// `text` with its control bytes (below 0x20, and 0x7f) written as C escapes (\n, \r, \t, \x1b): a file name holding
// a newline or ESC cannot split a line of text or drive the terminal. Backslashes are left as they are.
std::string visible(std::string_view text);

// Levenshtein distance.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` when at most max(2, |word| / 4) edits away.
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace swath::core
