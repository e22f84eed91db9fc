/*
 * The size reference for crossio-size-echo (bench/src/bin/size_echo.rs): the same echo written
 * directly against emscripten/websocket.h. Connect, send one text message, print the echo,
 * close. Built by ci/bench.sh with `emcc -O3 echo.c -lwebsocket.js` (the flags cargo's release
 * link uses) and measured after wasm-opt.
 */
#include <emscripten/websocket.h>
#include <stdio.h>

static EM_BOOL on_open(int type, const EmscriptenWebSocketOpenEvent *ev, void *user) {
  (void)type;
  (void)user;
  emscripten_websocket_send_utf8_text(ev->socket, "hello");
  return EM_TRUE;
}

static EM_BOOL on_message(int type, const EmscriptenWebSocketMessageEvent *ev, void *user) {
  (void)type;
  (void)user;
  printf("echo: %.*s\n", (int)ev->numBytes, (const char *)ev->data);
  emscripten_websocket_close(ev->socket, 1000, "");
  return EM_TRUE;
}

static EM_BOOL on_close(int type, const EmscriptenWebSocketCloseEvent *ev, void *user) {
  (void)type;
  (void)user;
  printf("closed\n");
  emscripten_websocket_delete(ev->socket);
  return EM_TRUE;
}

static EM_BOOL on_error(int type, const EmscriptenWebSocketErrorEvent *ev, void *user) {
  (void)type;
  (void)ev;
  (void)user;
  printf("echo failed\n");
  return EM_TRUE;
}

int main(int argc, char **argv) {
  EmscriptenWebSocketCreateAttributes attrs;
  emscripten_websocket_init_create_attributes(&attrs);
  attrs.url = argc > 1 ? argv[1] : "ws://127.0.0.1:9001/echo";
  EMSCRIPTEN_WEBSOCKET_T ws = emscripten_websocket_new(&attrs);
  if (ws <= 0) {
    printf("echo failed: %d\n", ws);
    return 1;
  }
  emscripten_websocket_set_onopen_callback(ws, NULL, on_open);
  emscripten_websocket_set_onmessage_callback(ws, NULL, on_message);
  emscripten_websocket_set_onerror_callback(ws, NULL, on_error);
  emscripten_websocket_set_onclose_callback(ws, NULL, on_close);
  return 0;
}
