// The lower module, including the upper one (a back edge) and GDAL (a package it does not declare).
#pragma once

#include <gdal.h>

#include "high/high.hpp"
