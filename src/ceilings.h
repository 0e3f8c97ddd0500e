/*
 * The core's hard ceilings, in one place: what an answer's head may spend,
 * how long a header name may be, how deep and how long JSON may go.  Lua
 * reads them through the core (core.limits()); where the core is not
 * loaded (inside nginx without core.so) lua/gpucloud/limits.lua holds a
 * copy that `make generated` writes from this file and `make lint` checks.
 * Each ceiling's Lua name follows it as "limits: name".
 *
 * Timeouts and the body limit are not here: they are the caller's, given
 * with every request (the library's defaults are in gpucloud.config).
 */
#ifndef GPUCLOUD_CEILINGS_H
#define GPUCLOUD_CEILINGS_H

/* What a response may spend on headers: generous for any API, small enough
 * that a hostile server cannot make us buffer without bound.  The fuzz
 * build lowers them so that short inputs reach them. */
#ifndef GC_MAX_HEADER_BYTES
#define GC_MAX_HEADER_BYTES (256 * 1024) /* limits: header_bytes */
#endif
#ifndef GC_MAX_HEADER_LINES
#define GC_MAX_HEADER_LINES 500 /* limits: header_lines */
#endif
/* Longer names are dropped: no API this library speaks comes close. */
#define GC_MAX_HEADER_NAME 255 /* limits: header_name */
/* JSON nesting, as deep as cjson's default */
#define GC_MAX_JSON_DEPTH 256 /* limits: json_depth */
/* longer number literals are refused */
#define GC_MAX_JSON_NUMBER 255 /* limits: json_number */

#endif
