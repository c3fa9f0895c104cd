// A source of the lower module including the upper one: a back edge outside the headers.
#include "low/low.hpp"

#include "high/high.hpp"
