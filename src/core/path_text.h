#pragma once
#include "tagforge/path_text.h"
