# gpucloud: `make demo` and `make test` do all the set-up on a fresh Debian 12
# machine (the deps step installs what is missing when run as root).

LUA       ?= lua5.4
LUA_ABI   ?= 5.4
LUA_CFLAGS ?= $(shell pkg-config --cflags lua$(LUA_ABI) 2>/dev/null || echo -I/usr/include/lua$(LUA_ABI))
CURL_CFLAGS ?= $(shell pkg-config --cflags libcurl 2>/dev/null)
CURL_LIBS ?= $(shell pkg-config --libs libcurl 2>/dev/null || echo -lcurl)

CC        ?= cc
CFLAGS    ?= -O2 -g
WARN      := -std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
# A Lua C module leaves Lua's own symbols to the interpreter that loads it.
LDFLAGS_SO := -shared

PREFIX    ?= /usr/local
LUADIR    ?= $(PREFIX)/share/lua/$(LUA_ABI)
CMODDIR   ?= $(PREFIX)/lib/lua/$(LUA_ABI)
BINDIR    ?= $(PREFIX)/bin

BUILD     := build/$(LUA_ABI)
CORE      := $(BUILD)/gpucloud/core.so
SRCS      := src/core.c src/client.c src/request.c src/http_parse.c src/buf.c
OBJS      := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRCS))
HDRS      := $(wildcard src/*.h)

LUA_FILES := $(shell find lua -name '*.lua' -o -name '*.json' | sort)
BUSTED    := $(LUA) /usr/bin/busted

# Debian packages the build, the specs and the demo need (see DEVELOPERS.md).
DEB_PKGS  := gcc make pkg-config lua5.4 liblua5.4-dev libcurl4-openssl-dev \
             lua-cjson lua-busted lua-check luarocks nginx libnginx-mod-http-lua \
             ca-certificates curl openssl
# ... and what check-memory and fuzz add.
DEB_PKGS_HARDENING := valgrind clang libclang-rt-14-dev

# Sanitizer build for check-memory: every UB report is fatal.
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASAN_DIR  := build/asan
ASAN_LUA  := $(ASAN_DIR)/lua
# detect_leaks: the launcher closes the Lua state, so what is left is ours.
ASAN_ENV  := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1 \
             UBSAN_OPTIONS=print_stacktrace=1
# Only lua5.4 is traced: the simulator's nginx and the shells the specs
# start are not ours.  No suppressions are needed today; if one ever is,
# it goes in a file with a comment per entry saying whose bug it is.
VALGRIND  := valgrind -q --leak-check=full --errors-for-leak-kinds=definite,possible \
             --error-exitcode=1 --trace-children=no --num-callers=30

# libFuzzer targets (clang): each runs FUZZ_SECONDS / 2, from the seeds in
# fuzz/corpus/<target> plus what earlier runs found in build/fuzz/corpus.
FUZZ_SECONDS ?= 60
FUZZ_CC      := clang
FUZZ_DIR     := build/fuzz
FUZZ_TARGETS := headers request
FUZZ_FLAGS   := -std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -g -O1 \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                -DGC_MAX_HEADER_BYTES=2048 -DGC_MAX_HEADER_LINES=40 -Isrc
FUZZ_SRCS_headers := fuzz/headers.c src/http_parse.c src/buf.c
FUZZ_SRCS_request := fuzz/request.c src/request.c src/http_parse.c src/buf.c
FUZZ_LIBS_request := -llua$(LUA_ABI)

.PHONY: all deps deps-hardening test lint spec demo install uninstall clean \
        check-memory check-asan check-valgrind fuzz fuzz-build fuzz-seed

all: $(CORE)

$(BUILD)/obj/%.o: src/%.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) -fPIC $(LUA_CFLAGS) $(CURL_CFLAGS) -c -o $@ $<

$(CORE): $(OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_SO) $(LDFLAGS) -o $@ $(OBJS) $(CURL_LIBS)

deps: DEPS_LIST = $(DEB_PKGS)
deps-hardening: DEPS_LIST = $(DEB_PKGS) $(DEB_PKGS_HARDENING)
deps deps-hardening:
	@missing=$$(for p in $(DEPS_LIST); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "deps: installing $$missing"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	  else \
	    echo "deps: missing Debian packages; run as root:"; \
	    echo "  apt-get install $$missing"; exit 1; \
	  fi; \
	fi

# Specs load the freshly built core and the Lua sources from this tree.
SPEC_ENV  := LUA_PATH='./lua/?.lua;./lua/?/init.lua;./spec/?.lua;;' LUA_CPATH='./$(BUILD)/?.so;;'

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory spec

spec: $(CORE)
	$(SPEC_ENV) $(BUSTED) $(BUSTED_ARGS)

lint:
	luacheck -q lua spec examples bin/gpucloud-sim fuzz

# The whole spec suite twice: against an ASan + UBSan build of the core,
# then under valgrind with the normal build.
check-memory: deps-hardening
	@$(MAKE) --no-print-directory check-asan
	@$(MAKE) --no-print-directory check-valgrind

check-asan: $(CORE)
	@$(MAKE) --no-print-directory BUILD=$(ASAN_DIR) CFLAGS="-O1 -g $(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" all
	$(CC) $(WARN) -O1 -g $(SAN_FLAGS) $(LUA_CFLAGS) -o $(ASAN_LUA) spec/support/lua_asan.c -llua$(LUA_ABI)
	$(SPEC_ENV) $(ASAN_ENV) $(ASAN_LUA) /usr/bin/busted --cpath='./$(ASAN_DIR)/?.so' $(BUSTED_ARGS)

check-valgrind: $(CORE)
	$(SPEC_ENV) $(VALGRIND) $(LUA) /usr/bin/busted $(BUSTED_ARGS)

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_DIR)/%)

$(FUZZ_DIR)/%: fuzz/%.c src/*.c $(HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(LUA_CFLAGS) -o $@ $(FUZZ_SRCS_$*) $(FUZZ_LIBS_$*)

# -print_final_stats shows the execution count and rate of each run.
fuzz: deps-hardening
	@$(MAKE) --no-print-directory fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_DIR)/corpus/$$t && \
	  echo "fuzz: $$t for $$(( $(FUZZ_SECONDS) / 2 )) s" && \
	  $(FUZZ_DIR)/$$t -max_total_time=$$(( $(FUZZ_SECONDS) / 2 )) -max_len=4096 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_DIR)/crash-$$t- $(FUZZ_DIR)/corpus/$$t fuzz/corpus/$$t || exit 1; \
	done

# Rewrite the seeds from the simulator's real answers and the library's
# real requests (needs the normal build).
fuzz-seed: $(CORE)
	$(SPEC_ENV) $(LUA) fuzz/seed.lua fuzz/corpus

demo: deps
	@$(MAKE) --no-print-directory all
	$(SPEC_ENV) $(LUA) bin/gpucloud-sim run -- $(LUA) examples/cleanup_idle_endpoints.lua

install: $(CORE)
	install -d $(DESTDIR)$(LUADIR)/gpucloud $(DESTDIR)$(CMODDIR)/gpucloud
	cd lua && find gpucloud -type d -exec install -d $(DESTDIR)$(LUADIR)/{} \;
	cd lua && find gpucloud -type f \( -name '*.lua' -o -name '*.json' \) \
	  -exec install -m 644 {} $(DESTDIR)$(LUADIR)/{} \;
	install -m 755 $(CORE) $(DESTDIR)$(CMODDIR)/gpucloud/core.so
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 bin/gpucloud-sim $(DESTDIR)$(BINDIR)/gpucloud-sim

uninstall:
	rm -rf $(DESTDIR)$(LUADIR)/gpucloud $(DESTDIR)$(CMODDIR)/gpucloud $(DESTDIR)$(BINDIR)/gpucloud-sim

clean:
	rm -rf build
