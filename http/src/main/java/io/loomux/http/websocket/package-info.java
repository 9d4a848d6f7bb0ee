/**
 * WebSocket (RFC 6455) on a loomux {@code HttpServer} or {@code HttpsServer}:
 * {@link io.loomux.http.websocket.WebSockets#handler} makes a context serve WebSockets in a
 * blocking loop on a virtual thread; {@link io.loomux.http.websocket.Handshake} upgrades from
 * inside an ordinary {@code HttpHandler} after it looked at the request;
 * {@link io.loomux.http.websocket.WebSockets#listener} serves in turns, holding no thread between
 * messages.
 * {@link io.loomux.http.websocket.WebSocketSettings} holds the limits.
 */
package io.loomux.http.websocket;
