/**
 * Preloaded (`node --require`) into a child process that must not reach the network, such as
 * `redocly lint`: any TCP or TLS connection other than to a local socket file makes the process exit
 * with 97 before a byte or a DNS query leaves, naming where it meant to go.
 */
const net = require('node:net');

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const [options, host] = args;
  if (options !== null && typeof options === 'object' && typeof options.path === 'string') {
    return connect.apply(this, args);
  }
  const target =
    typeof options === 'object' && options !== null
      ? `${options.host}:${options.port}`
      : `${host}:${options}`;
  process.stderr.write(`no-network: refused a connection to ${target}\n`);
  process.exit(97);
};
