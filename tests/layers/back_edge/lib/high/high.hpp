// The upper module: its arrow to low is allowed.
#pragma once

#include "low/low.hpp"
