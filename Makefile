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
             ca-certificates curl

.PHONY: all deps test lint spec demo install uninstall clean

all: $(CORE)

$(BUILD)/obj/%.o: src/%.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) -fPIC $(LUA_CFLAGS) $(CURL_CFLAGS) -c -o $@ $<

$(CORE): $(OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_SO) $(LDFLAGS) -o $@ $(OBJS) $(CURL_LIBS)

deps:
	@missing=$$(for p in $(DEB_PKGS); do \
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
	luacheck -q lua spec examples bin/gpucloud-sim

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
