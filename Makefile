# gpucloud: `make demo` and `make test` do all the set-up on a fresh Debian 12
# machine (the deps step installs what is missing when run as root).

# One C source, one core.so per Lua ABI: build/5.4 for lua5.4, build/5.3,
# build/5.2, and build/5.1 for both PUC Lua 5.1 and LuaJIT 2.1 (OpenResty's
# branch, as nginx's lua module embeds it): the two share the 5.1 C ABI, and
# the one 5.1 core is compiled against PUC 5.1's headers, as luarocks builds
# it, and run by the specs under lua5.1 and luajit. `make ABIS=5.4` builds,
# tests and installs one of them only; `make test-matrix` adds the others.
ABIS      ?= 5.4 5.1
MATRIX_ABIS := 5.1 5.2 5.3
LUA       ?= lua5.4
LUAJIT    ?= luajit
LUA_5.4   := $(LUA)
LUA_5.3   ?= lua5.3
LUA_5.2   ?= lua5.2
LUA_5.1   ?= lua5.1
LUA_CFLAGS ?= $(shell pkg-config --cflags lua5.4 2>/dev/null || echo -I/usr/include/lua5.4)
CFLAGS_5.4 = $(LUA_CFLAGS)
# e.g. CFLAGS_5.1='-I/usr/local/openresty/luajit/include/luajit-2.1': the
# source builds against LuaJIT's headers too.
CFLAGS_5.3 ?= $(shell pkg-config --cflags lua5.3 2>/dev/null || echo -I/usr/include/lua5.3)
CFLAGS_5.2 ?= $(shell pkg-config --cflags lua5.2 2>/dev/null || echo -I/usr/include/lua5.2)
CFLAGS_5.1 ?= $(shell pkg-config --cflags lua5.1 2>/dev/null || echo -I/usr/include/lua5.1)
CURL_CFLAGS ?= $(shell pkg-config --cflags libcurl 2>/dev/null)
CURL_LIBS ?= $(shell pkg-config --libs libcurl 2>/dev/null || echo -lcurl)

CC        ?= cc
CFLAGS    ?= -O2 -g
# A call to a function the headers of this Lua do not declare (a 5.2 API
# under 5.1) must fail the build, not become an undefined symbol at require.
WARN      := -std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
             -Werror=implicit-function-declaration
# A Lua C module leaves Lua's own symbols to the interpreter that loads it.
LDFLAGS_SO := -shared

PREFIX    ?= /usr/local
LUADIR    ?= $(PREFIX)/share/lua/5.4
CMODDIR   ?= $(PREFIX)/lib/lua/5.4
LUAJIT_LUADIR  ?= $(PREFIX)/share/lua/5.1
LUAJIT_CMODDIR ?= $(PREFIX)/lib/lua/5.1
LUADIR_5.4  = $(LUADIR)
CMODDIR_5.4 = $(CMODDIR)
LUADIR_5.3  ?= $(PREFIX)/share/lua/5.3
CMODDIR_5.3 ?= $(PREFIX)/lib/lua/5.3
LUADIR_5.2  ?= $(PREFIX)/share/lua/5.2
CMODDIR_5.2 ?= $(PREFIX)/lib/lua/5.2
LUADIR_5.1  = $(LUAJIT_LUADIR)
CMODDIR_5.1 = $(LUAJIT_CMODDIR)
BINDIR    ?= $(PREFIX)/bin

CORES     := $(foreach a,$(ABIS),build/$(a)/gpucloud/core.so)
SRCS      := src/core.c src/client.c src/multi.c src/xfer.c src/interrupt.c src/request.c src/http_parse.c src/buf.c \
             src/json.c src/fsys.c
HDRS      := $(wildcard src/*.h)

BUSTED    := /usr/bin/busted

# Debian packages the build, the specs and the demo need (see DEVELOPERS.md).
DEB_PKGS  := gcc make pkg-config lua5.4 liblua5.4-dev libcurl4-openssl-dev \
             luajit2 lua5.1 liblua5.1-0-dev \
             lua-cjson lua-dkjson lua-argparse lua-busted lua-check luarocks nginx libnginx-mod-http-lua \
             ca-certificates curl openssl lua-readline tmux lua-ldoc lua-discount

# ... what check-memory and fuzz add, and what test-matrix adds (Debian's
# lua-cjson and lua-busted already serve every 5.x).
DEB_PKGS_HARDENING := valgrind clang libclang-rt-14-dev
DEB_PKGS_MATRIX    := lua5.2 liblua5.2-dev lua5.3 liblua5.3-dev

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

# libFuzzer targets (clang): they share FUZZ_SECONDS equally, from the seeds in
# fuzz/corpus/<target> plus what earlier runs found in build/fuzz/corpus.
FUZZ_SECONDS ?= 60
FUZZ_CC      := clang
FUZZ_DIR     := build/fuzz
FUZZ_TARGETS := headers request json
FUZZ_FLAGS   := -std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -g -O1 \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                -DGC_MAX_HEADER_BYTES=2048 -DGC_MAX_HEADER_LINES=40 -Isrc
FUZZ_SRCS_headers := fuzz/headers.c src/http_parse.c src/buf.c
FUZZ_SRCS_request := fuzz/request.c src/request.c src/http_parse.c src/buf.c
FUZZ_LIBS_request := -llua5.4
FUZZ_SRCS_json    := fuzz/json.c src/json.c
FUZZ_LIBS_json    := -llua5.4

.PHONY: completion generated check-generated all deps deps-hardening deps-matrix test test-matrix test-slow lint spec \
        spec-5.4 spec-5.3 spec-5.2 spec-5.1 spec-luajit demo docs bench bench-profile install uninstall clean check-memory check-asan check-valgrind \
        check-valgrind-1 check-valgrind-2 check-valgrind-3 fuzz fuzz-build fuzz-seed

# Each module precompiled for the command line's interpreter ($(LUA), its
# shebang's), beside its core: gpucloud.bytecode loads one instead of
# parsing the source when it is newer than the source (issue 23). The
# simulator's modules find their files by their own path: never compiled.
BYTECODE_DIR := build/5.4/gpucloud/bytecode/lua5.4
BYTECODE     := $(patsubst lua/%,$(BYTECODE_DIR)/%,$(filter-out lua/gpucloud/sim/%,$(shell find lua -name '*.lua')))
all: $(CORES) $(BYTECODE)

$(BYTECODE_DIR)/%.lua: lua/%.lua tools/bytecode.lua
	@mkdir -p $(@D)
	@$(LUA) tools/bytecode.lua $< $@

# The same rules for each ABI; only the Lua headers differ. Every ABI has
# them, whatever ABIS says, so a target can build the core it needs.
define abi_rules
build/$(1)/obj/%.o: src/%.c $$(HDRS)
	@mkdir -p $$(@D)
	$$(CC) $$(WARN) $$(CFLAGS) -fPIC $$(CFLAGS_$(1)) $$(CURL_CFLAGS) -c -o $$@ $$<

build/$(1)/gpucloud/core.so: $$(patsubst src/%.c,build/$(1)/obj/%.o,$$(SRCS))
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS_SO) $$(LDFLAGS) -o $$@ $$^ $$(CURL_LIBS)
endef
$(foreach a,5.4 5.3 5.2 5.1,$(eval $(call abi_rules,$(a))))

deps: DEPS_LIST = $(DEB_PKGS)
deps-hardening: DEPS_LIST = $(DEB_PKGS) $(DEB_PKGS_HARDENING)
deps-matrix: DEPS_LIST = $(DEB_PKGS) $(DEB_PKGS_MATRIX)
deps deps-hardening deps-matrix:
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

# Specs load the freshly built core and the Lua sources from this tree
# (.busted picks build/<abi> for the interpreter busted runs under).
SPEC_ENV   = LUA_PATH='./lua/?.lua;./lua/?/init.lua;./spec/?.lua;;' LUA_CPATH='./build/$(1)/?.so;;'
# What a spec run loads besides its own interpreter's core: nginx's LuaJIT
# core for spec/openresty_spec.lua, and both for spec/packaging_spec.lua.
SPEC_CORES := build/5.4/gpucloud/core.so build/5.1/gpucloud/core.so

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory spec

# Every spec under lua5.4 and LuaJIT (or what ABIS names; 5.1 is run by
# LuaJIT here), the interpreters side by side: nothing in make test asserts
# a wall-clock bound (time is asserted on a virtual clock), so they may
# share the CPU. Each run's output goes to build/spec-<run>.log, printed
# when both are done. spec/openresty_spec.lua starts nginx itself. Specs
# tagged #slow (real-time pacing and margins) run in test-slow only; #once
# and #jitonce (commands that are the same whichever interpreter runs
# busted: installs, luarocks) run once, #once under lua5.4, #jitonce under
# LuaJIT, so that neither side waits on all of them (the other interpreters
# of test-matrix run both).
SPEC_RUNS := $(patsubst 5.1,luajit,$(ABIS))
comma := ,

# $(call side_by_side,TARGETS,ARGS): the make targets at once, each with
# BUSTED_ARGS=ARGS and its output in build/<target>.log, printed (less
# busted's progress dots) when all are done; fails if any did.
define side_by_side
	@mkdir -p build
	@echo "$(1): side by side; output in build/<target>.log"
	@pids=""; for r in $(1); do \
	  $(MAKE) --no-print-directory $$r BUSTED_ARGS="$(2)" > build/$$r.log 2>&1 & pids="$$pids $$!"; \
	done; rc=0; for p in $$pids; do wait $$p || rc=1; done; \
	for r in $(1); do echo "== $$r"; grep -v '^[^a-zA-Z0-9]*$$' build/$$r.log; done; exit $$rc
endef

# The whole suite runs in SPEC_PARTS parts per interpreter (every
# SPEC_PARTS-th spec file in name order), all at once: the suite mostly
# waits (child processes, simulators, answers held back), so on two cores
# more runs at once finish sooner than one per interpreter. With
# BUSTED_ARGS (a spec file, a tag), one run per interpreter.
SPEC_PARTS ?= 3
PART_NUMBERS = $(shell seq 1 $(SPEC_PARTS))
spec: $(SPEC_CORES) $(BYTECODE)
	$(call side_by_side,$(if $(BUSTED_ARGS),$(addprefix spec-,$(SPEC_RUNS)),$(foreach r,$(SPEC_RUNS),$(foreach k,$(PART_NUMBERS),spec-$(r)-$(k)))),$(BUSTED_ARGS))

# spec-<abi> runs the suite under lua<abi>; spec-luajit under LuaJIT, with
# the same build/5.1 core as spec-5.1. PART=k (spec-<run>-<k>): the k-th
# part's spec files only.
SPEC_PART = $(if $(PART),$$(ls spec/*_spec.lua | LC_ALL=C sort | awk 'NR % $(SPEC_PARTS) == $(PART) % $(SPEC_PARTS)'))
spec-5.4 spec-5.3 spec-5.2 spec-5.1: spec-%: build/%/gpucloud/core.so $(SPEC_CORES)
	$(call SPEC_ENV,$*) $(LUA_$*) $(BUSTED) --exclude-tags=slow$(if $(filter 5.4,$*),$(comma)jitonce) $(BUSTED_ARGS) \
	  $(SPEC_PART)

spec-luajit: $(SPEC_CORES)
	$(call SPEC_ENV,5.1) $(LUAJIT) $(BUSTED) --exclude-tags=slow,once $(BUSTED_ARGS) $(SPEC_PART)

$(foreach r,5.4 5.3 5.2 5.1 luajit,$(foreach k,$(PART_NUMBERS),$(eval spec-$(r)-$(k): ; @$$(MAKE) --no-print-directory spec-$(r) PART=$(k))))

# The suite under the other interpreters: lua5.1 (on the core LuaJIT
# loads), lua5.2, lua5.3. The #nginx spec is left out: it tests the library
# inside nginx's LuaJIT, which is the same whichever interpreter drives
# busted, and `make test` runs it. In SPEC_PARTS parts each, as make spec.
test-matrix: deps-matrix
	@$(MAKE) --no-print-directory $(foreach a,$(MATRIX_ABIS),build/$(a)/gpucloud/core.so) $(SPEC_CORES)
	$(call side_by_side,$(if $(BUSTED_ARGS),$(addprefix spec-,$(MATRIX_ABIS)),$(foreach a,$(MATRIX_ABIS),$(foreach k,$(PART_NUMBERS),spec-$(a)-$(k)))),--exclude-tags=nginx $(BUSTED_ARGS))

test-slow: deps
	@$(MAKE) --no-print-directory $(SPEC_CORES)
	$(call SPEC_ENV,5.4) $(LUA) $(BUSTED) --tags=slow $(BUSTED_ARGS)

lint: check-generated
	luacheck -q lua spec examples bin/gpucloud bin/gpucloud-sim fuzz bench docs tools

# What is made from the tree and committed (the rockspec's module lists,
# the Lua copy of the core's ceilings): `make generated` rewrites them,
# `make check-generated` fails when one is stale.
generated:
	$(LUA) tools/rockspec.lua
	$(LUA) tools/ceilings.lua

check-generated:
	@$(LUA) tools/rockspec.lua --check
	@$(LUA) tools/ceilings.lua --check

# The HTML reference, into build/docs/ (never committed): docs/build.lua
# writes the stubs of what is made from data (the clients' methods from
# their rows, the options, the errors), runs LDoc (config.ld) over them and
# the hand-written public modules, and fails on any LDoc warning and on any
# public name without a doc (docs/public.lua, docs/check.lua). No core needed.
docs: deps
	LUA_PATH='./lua/?.lua;./lua/?/init.lua;./?.lua;;' $(LUA) docs/build.lua config.ld build/docs

# The whole spec suite twice: against an ASan + UBSan build of the core,
# then under valgrind with the normal build.
# The runs side by side: valgrind's is the long one, so it runs in
# VALGRIND_PARTS parts (check-valgrind runs it whole).
check-memory: deps-hardening
	@$(MAKE) --no-print-directory $(ASAN_CORE) $(SPEC_CORES)
	$(call side_by_side,check-asan $(foreach k,$(VALGRIND_NUMBERS),check-valgrind-$(k)),$(BUSTED_ARGS))

# The sanitized core, for Lua 5.4 only: one compile and link, nothing shared
# with the normal build's objects.
ASAN_CORE := $(ASAN_DIR)/gpucloud/core.so
$(ASAN_CORE): $(SRCS) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(WARN) -O1 -g $(SAN_FLAGS) -fPIC -shared $(CFLAGS_5.4) $(CURL_CFLAGS) -o $@ $(SRCS) $(CURL_LIBS)

# Everything make test runs (no spec there asserts a wall-clock bound a
# sanitized or valgrind run could not keep); #slow stays in test-slow.
check-asan: $(ASAN_CORE) $(SPEC_CORES)
	$(CC) $(WARN) -O1 -g $(SAN_FLAGS) $(LUA_CFLAGS) -o $(ASAN_LUA) spec/support/lua_asan.c -llua5.4
	$(call SPEC_ENV,5.4) $(ASAN_ENV) $(ASAN_LUA) $(BUSTED) --cpath='./$(ASAN_DIR)/?.so' \
	  --exclude-tags=slow $(BUSTED_ARGS)

check-valgrind: $(SPEC_CORES)
	$(call SPEC_ENV,5.4) $(VALGRIND) $(LUA) $(BUSTED) --exclude-tags=slow $(BUSTED_ARGS)

# A VALGRIND_PARTS-th of the spec files each (every third in name order),
# for check-memory: halves took 239 and 426 s, the long half alone longer
# than the other two runs together.
VALGRIND_PARTS ?= 3
VALGRIND_NUMBERS = $(shell seq 1 $(VALGRIND_PARTS))
$(foreach k,$(VALGRIND_NUMBERS),check-valgrind-$(k)): check-valgrind-%: $(SPEC_CORES)
	$(call SPEC_ENV,5.4) $(VALGRIND) $(LUA) $(BUSTED) --exclude-tags=slow $(BUSTED_ARGS) \
	  $$(ls spec/*_spec.lua | LC_ALL=C sort | awk 'NR % $(VALGRIND_PARTS) == $* % $(VALGRIND_PARTS)')

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_DIR)/%)

$(FUZZ_DIR)/%: fuzz/%.c src/*.c $(HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(LUA_CFLAGS) -o $@ $(FUZZ_SRCS_$*) $(FUZZ_LIBS_$*)

# -print_final_stats shows the execution count and rate of each run.
fuzz: deps-hardening
	@$(MAKE) --no-print-directory fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_DIR)/corpus/$$t && \
	  echo "fuzz: $$t for $$(( $(FUZZ_SECONDS) / $(words $(FUZZ_TARGETS)) )) s" && \
	  $(FUZZ_DIR)/$$t -max_total_time=$$(( $(FUZZ_SECONDS) / $(words $(FUZZ_TARGETS)) )) -max_len=4096 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_DIR)/crash-$$t- $(FUZZ_DIR)/corpus/$$t fuzz/corpus/$$t || exit 1; \
	done

# Rewrite the seeds from the simulator's real answers and the library's
# real requests (needs the normal build).
fuzz-seed: build/5.4/gpucloud/core.so
	$(call SPEC_ENV,5.4) $(LUA) fuzz/seed.lua fuzz/corpus

demo: deps
	@$(MAKE) --no-print-directory all
	$(call SPEC_ENV,5.4) $(LUA) bin/gpucloud-sim run -- $(LUA) examples/cleanup_idle_endpoints.lua

# Benchmarks against the anchors (bench/run.lua says what each measures):
# a table of ratios on stdout, progress on stderr. Not part of test or CI.
BENCH_DIR := build/bench
$(BENCH_DIR)/anchor: bench/anchor.c
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) $(CURL_CFLAGS) -o $@ $< $(CURL_LIBS)

bench: build/5.4/gpucloud/core.so $(BYTECODE) $(BENCH_DIR)/anchor
	$(call SPEC_ENV,5.4) $(LUA) bench/run.lua $(BENCH_DIR)

# Instructions per call by function group, under callgrind (bench/profile.lua).
bench-profile: deps-hardening build/5.4/gpucloud/core.so $(BYTECODE) $(BENCH_DIR)/anchor
	$(call SPEC_ENV,5.4) $(LUA) bench/profile.lua $(BENCH_DIR)

# The Lua files are the same for every ABI; each interpreter looks in its own
# share/lua/<abi>, so each gets a copy beside its core.so.
define install_abi
	install -d $(DESTDIR)$(LUADIR_$(1))/gpucloud $(DESTDIR)$(CMODDIR_$(1))/gpucloud
	cd lua && find gpucloud -type d -exec install -d $(DESTDIR)$(LUADIR_$(1))/{} \;
	cd lua && find gpucloud -type f \( -name '*.lua' -o -name '*.json' \) \
	  -exec install -m 644 {} $(DESTDIR)$(LUADIR_$(1))/{} \;
	install -m 755 build/$(1)/gpucloud/core.so $(DESTDIR)$(CMODDIR_$(1))/gpucloud/core.so
	# (after the sources: an installed module's bytecode is newer than it)
	[ ! -d build/$(1)/gpucloud/bytecode ] || (cd build/$(1)/gpucloud && \
	  find bytecode -type d -exec install -d $(DESTDIR)$(CMODDIR_$(1))/gpucloud/{} \; && \
	  find bytecode -type f -name '*.lua' -exec install -m 644 {} $(DESTDIR)$(CMODDIR_$(1))/gpucloud/{} \;)

endef

# Shell completion and the man page, made from the command rows (no core
# needed): `make docs` writes the same gpucloud.1 beside the HTML.
GEN_ENV := LUA_PATH='./lua/?.lua;./lua/?/init.lua;./?.lua;;'
COMPLETION_DIR := build/completion
BASH_COMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSH_COMPDIR  ?= $(PREFIX)/share/zsh/site-functions
FISH_COMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
MANDIR       ?= $(PREFIX)/share/man

completion:
	@mkdir -p $(COMPLETION_DIR)
	@for s in bash zsh fish; do \
	  $(GEN_ENV) $(LUA) -e "io.write(require('gpucloud.cli.completion').script('$$s'))" > $(COMPLETION_DIR)/gpucloud.$$s \
	    || exit 1; \
	done

build/docs/gpucloud.1: $(wildcard lua/gpucloud/cli/*.lua lua/gpucloud/providers/*/cli.lua) docs/man.lua
	@mkdir -p $(@D)
	$(GEN_ENV) $(LUA) -e "io.write(require('docs.man').roff(require('gpucloud.config').VERSION))" > $@

install: $(CORES) $(if $(filter 5.4,$(ABIS)),$(BYTECODE)) completion build/docs/gpucloud.1
	$(foreach a,$(ABIS),$(call install_abi,$(a)))
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 bin/gpucloud $(DESTDIR)$(BINDIR)/gpucloud
	install -m 755 bin/gpucloud-sim $(DESTDIR)$(BINDIR)/gpucloud-sim
	install -d $(DESTDIR)$(BASH_COMPDIR) $(DESTDIR)$(ZSH_COMPDIR) $(DESTDIR)$(FISH_COMPDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(COMPLETION_DIR)/gpucloud.bash $(DESTDIR)$(BASH_COMPDIR)/gpucloud
	install -m 644 $(COMPLETION_DIR)/gpucloud.zsh $(DESTDIR)$(ZSH_COMPDIR)/_gpucloud
	install -m 644 $(COMPLETION_DIR)/gpucloud.fish $(DESTDIR)$(FISH_COMPDIR)/gpucloud.fish
	install -m 644 build/docs/gpucloud.1 $(DESTDIR)$(MANDIR)/man1/gpucloud.1

uninstall:
	rm -rf $(foreach a,$(ABIS),$(DESTDIR)$(LUADIR_$(a))/gpucloud $(DESTDIR)$(CMODDIR_$(a))/gpucloud) \
	  $(DESTDIR)$(BINDIR)/gpucloud $(DESTDIR)$(BINDIR)/gpucloud-sim \
	  $(DESTDIR)$(BASH_COMPDIR)/gpucloud $(DESTDIR)$(ZSH_COMPDIR)/_gpucloud $(DESTDIR)$(FISH_COMPDIR)/gpucloud.fish \
	  $(DESTDIR)$(MANDIR)/man1/gpucloud.1

clean:
	rm -rf build
