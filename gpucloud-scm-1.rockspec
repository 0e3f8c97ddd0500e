rockspec_format = "3.0"
package = "gpucloud"
version = "scm-1"
source = {
  url = "git+file:///gpucloud",
}
description = {
  summary = "Script GPU clouds (Vast.ai serverless, TensorPool) from Lua, over a libcurl core",
  detailed = [[
List what runs, filter it in Lua, delete what is no longer wanted. Operations
are data rows over one generic request path; the C core speaks HTTP through
one reused libcurl handle per client. Includes a simulator of both APIs.
]],
  license = "MIT",
}
dependencies = {
  "lua >= 5.1",
  "lua-cjson",
  "dkjson", -- decoding without the C core, and the simulator's
  "argparse >= 0.7", -- the command line (gpucloud.cli)
}
external_dependencies = {
  -- only the library: Debian keeps curl.h under a multiarch include dir
  -- that luarocks does not search, and the compiler finds it by itself
  CURL = { library = "curl" },
}
build = {
  type = "builtin",
  modules = {
    ["gpucloud"] = "lua/gpucloud/init.lua",
    ["gpucloud.args"] = "lua/gpucloud/args.lua",
    ["gpucloud.bulk"] = "lua/gpucloud/bulk.lua",
    ["gpucloud.call"] = "lua/gpucloud/call.lua",
    ["gpucloud.cli"] = "lua/gpucloud/cli.lua",
    ["gpucloud.cli.checks"] = "lua/gpucloud/cli/checks.lua",
    ["gpucloud.cli.commands"] = "lua/gpucloud/cli/commands.lua",
    ["gpucloud.cli.fleet"] = "lua/gpucloud/cli/fleet.lua",
    ["gpucloud.cli.help"] = "lua/gpucloud/cli/help.lua",
    ["gpucloud.cli.output"] = "lua/gpucloud/cli/output.lua",
    ["gpucloud.cli.parser"] = "lua/gpucloud/cli/parser.lua",
    ["gpucloud.cli.run"] = "lua/gpucloud/cli/run.lua",
    ["gpucloud.config"] = "lua/gpucloud/config.lua",
    ["gpucloud.define"] = "lua/gpucloud/define.lua",
    ["gpucloud.errors"] = "lua/gpucloud/errors.lua",
    ["gpucloud.fleet"] = "lua/gpucloud/fleet.lua",
    ["gpucloud.fleet.delete"] = "lua/gpucloud/fleet/delete.lua",
    ["gpucloud.fleet.plan"] = "lua/gpucloud/fleet/plan.lua",
    ["gpucloud.fleet.tensorpool"] = "lua/gpucloud/fleet/tensorpool.lua",
    ["gpucloud.fleet.vast"] = "lua/gpucloud/fleet/vast.lua",
    ["gpucloud.json"] = "lua/gpucloud/json.lua",
    ["gpucloud.keys"] = "lua/gpucloud/keys.lua",
    ["gpucloud.list"] = "lua/gpucloud/list.lua",
    ["gpucloud.pace"] = "lua/gpucloud/pace.lua",
    ["gpucloud.pager"] = "lua/gpucloud/pager.lua",
    ["gpucloud.repl"] = "lua/gpucloud/repl.lua",
    ["gpucloud.repl.help"] = "lua/gpucloud/repl/help.lua",
    ["gpucloud.repl.show"] = "lua/gpucloud/repl/show.lua",
    ["gpucloud.request"] = "lua/gpucloud/request.lua",
    ["gpucloud.retry"] = "lua/gpucloud/retry.lua",
    ["gpucloud.runtime"] = "lua/gpucloud/runtime/init.lua",
    ["gpucloud.runtime.curl"] = "lua/gpucloud/runtime/curl.lua",
    ["gpucloud.runtime.func"] = "lua/gpucloud/runtime/func.lua",
    ["gpucloud.runtime.ngx"] = "lua/gpucloud/runtime/ngx.lua",
    ["gpucloud.runtime.ngx_http"] = "lua/gpucloud/runtime/ngx_http.lua",
    ["gpucloud.runtime.ngx_read"] = "lua/gpucloud/runtime/ngx_read.lua",
    ["gpucloud.runtime.scheduler"] = "lua/gpucloud/runtime/scheduler.lua",
    ["gpucloud.runtime.stop"] = "lua/gpucloud/runtime/stop.lua",
    ["gpucloud.secrets"] = "lua/gpucloud/secrets.lua",
    ["gpucloud.tensorpool"] = "lua/gpucloud/tensorpool.lua",
    ["gpucloud.tensorpool_flows"] = "lua/gpucloud/tensorpool_flows.lua",
    ["gpucloud.vast"] = "lua/gpucloud/vast.lua",
    ["gpucloud.vast_filters"] = "lua/gpucloud/vast_filters.lua",
    ["gpucloud.wait"] = "lua/gpucloud/wait.lua",
    ["gpucloud.sim.app"] = "lua/gpucloud/sim/app.lua",
    ["gpucloud.sim.client"] = "lua/gpucloud/sim/client.lua",
    ["gpucloud.sim.conf"] = "lua/gpucloud/sim/conf.lua",
    ["gpucloud.sim.control"] = "lua/gpucloud/sim/control.lua",
    ["gpucloud.sim.faults"] = "lua/gpucloud/sim/faults.lua",
    ["gpucloud.sim.fixture"] = "lua/gpucloud/sim/fixture.lua",
    ["gpucloud.sim.ngx"] = "lua/gpucloud/sim/ngx.lua",
    ["gpucloud.sim.server"] = "lua/gpucloud/sim/server.lua",
    ["gpucloud.sim.sys"] = "lua/gpucloud/sim/sys.lua",
    ["gpucloud.sim.tensorpool"] = "lua/gpucloud/sim/tensorpool.lua",
    ["gpucloud.sim.tensorpool_common"] = "lua/gpucloud/sim/tensorpool_common.lua",
    ["gpucloud.sim.tensorpool_jobs"] = "lua/gpucloud/sim/tensorpool_jobs.lua",
    ["gpucloud.sim.tensorpool_requests"] = "lua/gpucloud/sim/tensorpool_requests.lua",
    ["gpucloud.sim.tensorpool_storage"] = "lua/gpucloud/sim/tensorpool_storage.lua",
    ["gpucloud.sim.values"] = "lua/gpucloud/sim/values.lua",
    ["gpucloud.sim.vast"] = "lua/gpucloud/sim/vast.lua",
    ["gpucloud.sim.vast_instances"] = "lua/gpucloud/sim/vast_instances.lua",
    ["gpucloud.sim.vast_wire"] = "lua/gpucloud/sim/vast_wire.lua",
    ["gpucloud.core"] = {
      sources = { "src/core.c", "src/client.c", "src/multi.c", "src/xfer.c", "src/interrupt.c",
                  "src/request.c",
                  "src/http_parse.c", "src/buf.c", "src/json.c" },
      libraries = { "curl" },
      incdirs = { "$(CURL_INCDIR)" },
      libdirs = { "$(CURL_LIBDIR)" },
      defines = { "_POSIX_C_SOURCE=200809L" },
    },
  },
  install = {
    lua = {
      ["gpucloud.sim.fixture"] = "lua/gpucloud/sim/fixture.json",
    },
    bin = {
      ["gpucloud"] = "bin/gpucloud",
      ["gpucloud-sim"] = "bin/gpucloud-sim",
    },
  },
}
