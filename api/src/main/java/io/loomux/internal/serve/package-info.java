/**
 * What loomux's servers share and no user should call: the accept loop and the idle reaper of
 * the TCP server ({@code io.loomux.server}) and the HTTP server ({@code io.loomux.http}). Not
 * API: exported to those two modules only, and free to change with them.
 */
package io.loomux.internal.serve;
