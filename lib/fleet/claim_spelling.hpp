// How this swath spells a claim's text, so that claims an older enqueue recorded in another spelling match.
#pragma once

#include <string>

namespace swath::fleet {

// A claim's text (queue::ClaimSpelling) with each "creation_options" list as this swath records it
// (tiling::canonical_creation_options): an older enqueue's claim of the same work, its creation options as given
// (another order, lower-case keys), is the same work.
std::string claim_spelling(const std::string& text);

}  // namespace swath::fleet
