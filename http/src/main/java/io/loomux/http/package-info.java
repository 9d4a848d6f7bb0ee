/**
 * HTTP/1.1 on loomux. {@link io.loomux.http.LoomuxHttpServerProvider} is a
 * {@code com.sun.net.httpserver.spi.HttpServerProvider}: adding this jar makes every
 * {@code HttpServer.create(...)} run on loomux. {@link io.loomux.http.HttpServerSettings} holds
 * the limits (header sizes, timeouts, connections) and their defaults.
 */
package io.loomux.http;
