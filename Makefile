# swath: `make demo` and `make test` are the two commands; both run `make setup` first.
BUILD_TYPE ?= RelWithDebInfo
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
JOBS ?= $(shell nproc)

.PHONY: setup build test test-asan test-fast demo bench clean image image-verify image-lock format

setup:
	@scripts/setup.sh

build: setup
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Unit and CLI tests, then the same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
test: test-fast test-asan

# The container suite (tests/container) runs here only; where no engine can run it, ctest shows it skipped.
test-fast: build
	@rm -f $(BUILD_DIR)/tests/container-skipped.txt
	@ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)
	@if [ -f $(BUILD_DIR)/tests/container-skipped.txt ]; then echo; cat $(BUILD_DIR)/tests/container-skipped.txt; fi

test-asan: setup
	@cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DSWATH_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_DIR) -j $(JOBS)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_DIR) --output-on-failure -j $(JOBS)

demo: build
	@scripts/demo.sh $(BUILD_DIR)/apps/swath

bench: build
	@bench/run.sh $(BUILD_DIR)/apps/swath

# The container image swath:<version> (packaging/image): Debian roots at packaging/apt-lock.txt's versions, swath
# compiled in the build root; the last line printed is the image id. IMAGE_FLAGS="--compile host" compiles here.
image: setup
	@packaging/image/build.sh $(IMAGE_FLAGS)

# Two builds without cache must give the same image id.
image-verify: setup
	@packaging/image/verify.sh $(IMAGE_FLAGS)

# Rewrites the lock's build-root and runtime-root sections from the archive's current versions.
image-lock: setup
	@packaging/image/lock.sh

# Lays out the C++ sources as .clang-format says; the `format` test fails on a file that differs.
format: setup
	@scripts/format.sh

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
