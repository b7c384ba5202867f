/*
 * Open-file-description byte-range locks (Linux fcntl F_OFD_SETLK / F_OFD_GETLK) for Node, which has
 * no fcntl of its own. wasmvirt locks disk images the way QEMU's file-posix driver does (single bytes
 * at offsets 100+perm and 200+perm), so a wasmvirt and a QEMU that share an image see each other's
 * locks. An OFD lock belongs to the open file description: it stays while any descriptor of it is
 * open and the kernel drops it when the last one closes, on every exit path (SIGKILL included).
 *
 * Exports:
 *   setLock(fd, type, start, len) -> 0 or -errno     type: RDLCK, WRLCK or UNLCK; never waits
 *   testLock(fd, type, start, len) -> UNLCK when nothing conflicts, else the conflicting type; or -errno
 *   RDLCK, WRLCK, UNLCK                              the platform's values
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <node_api.h>

static int read_args(napi_env env, napi_callback_info info, struct flock *fl, int *fd) {
    size_t argc = 4;
    napi_value argv[4];
    int32_t ifd, type;
    int64_t start, len;
    if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4) return -1;
    if (napi_get_value_int32(env, argv[0], &ifd) != napi_ok) return -1;
    if (napi_get_value_int32(env, argv[1], &type) != napi_ok) return -1;
    if (napi_get_value_int64(env, argv[2], &start) != napi_ok) return -1;
    if (napi_get_value_int64(env, argv[3], &len) != napi_ok) return -1;
    memset(fl, 0, sizeof *fl);
    fl->l_type = (short)type;
    fl->l_whence = SEEK_SET;
    fl->l_start = start;
    fl->l_len = len;
    fl->l_pid = 0; /* required to be 0 for OFD commands */
    *fd = ifd;
    return 0;
}

static napi_value result(napi_env env, int32_t v) {
    napi_value out;
    napi_create_int32(env, v, &out);
    return out;
}

static napi_value set_lock(napi_env env, napi_callback_info info) {
    struct flock fl;
    int fd;
    if (read_args(env, info, &fl, &fd) != 0) {
        napi_throw_type_error(env, NULL, "setLock(fd, type, start, len): numbers expected");
        return NULL;
    }
    return result(env, fcntl(fd, F_OFD_SETLK, &fl) == 0 ? 0 : -errno);
}

static napi_value test_lock(napi_env env, napi_callback_info info) {
    struct flock fl;
    int fd;
    if (read_args(env, info, &fl, &fd) != 0) {
        napi_throw_type_error(env, NULL, "testLock(fd, type, start, len): numbers expected");
        return NULL;
    }
    return result(env, fcntl(fd, F_OFD_GETLK, &fl) == 0 ? fl.l_type : -errno);
}

static void export_fn(napi_env env, napi_value exports, const char *name, napi_callback cb) {
    napi_value fn;
    napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn);
    napi_set_named_property(env, exports, name, fn);
}

NAPI_MODULE_INIT() {
    export_fn(env, exports, "setLock", set_lock);
    export_fn(env, exports, "testLock", test_lock);
    napi_set_named_property(env, exports, "RDLCK", result(env, F_RDLCK));
    napi_set_named_property(env, exports, "WRLCK", result(env, F_WRLCK));
    napi_set_named_property(env, exports, "UNLCK", result(env, F_UNLCK));
    return exports;
}
