/**
 * The {@code "counting"} sample backend: a third-party plugin that depends on
 * {@code loomux-api} only. See {@link com.example.loomux.counting.CountingMultiplexerProvider}.
 */
package com.example.loomux.counting;
