# TLS-only mode for infra/services.sh (sourced by it; not run on its own).
#
#   infra/services.sh up --tls
#
# The first `up --tls` makes a private CA and a server certificate for localhost / 127.0.0.1 under
# $state_dir/tls/ and marks the state folder as TLS-only; every later `up` of that folder keeps it so (the mode
# belongs to the data, like the passwords). Then:
#   PostgreSQL  ssl = on, and pg_hba.conf accepts TCP logins only over TLS (hostssl): a plain connection is refused.
#   RabbitMQ    listeners.tcp = none and an AMQPS listener on the AMQP port: plain AMQP is not served at all.
#   env         adds "SSL Mode=VerifyFull;Root Certificate=<ca.crt>" to the connection string and RabbitMq__Tls__*.
# The management API stays plain HTTP on 127.0.0.1 (see docs/deployment.md for a broker other machines reach).

tls_dir=$state_dir/tls
tls_marker=$tls_dir/enabled
tls_ca_cert=$tls_dir/ca.crt
tls_ca_key=$tls_dir/ca.key
tls_server_cert=$tls_dir/server.crt
tls_server_key=$tls_dir/server.key
# The name clients check the server certificate against (also in the certificate's subject alternative names).
readonly tls_server_name=localhost

tls_enabled() { [[ -f $tls_marker ]]; }

# Called for `up --tls`: switching a running plain instance would leave it serving plain connections.
tls_enable() {
  tls_enabled && return 0
  if pg_running || rmq_running; then
    die "services are running without TLS; stop them first ('infra/services.sh down'), then 'up --tls'"
  fi
  mkdir -p "$tls_dir"
  touch "$tls_marker"
  info "TLS-only mode: kept for this state folder until 'reset'"
}

tls_ensure_certs() {
  tls_enabled || return 0
  [[ -s $tls_ca_cert && -s $tls_server_cert && -s $tls_server_key ]] && return 0
  command -v openssl >/dev/null || die "TLS needs openssl (apt-get install -y openssl)"
  local ext=$tls_dir/server.ext
  info "generating a CA and a server certificate in $tls_dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=CaiEvents local CA" \
    -keyout "$tls_ca_key" -out "$tls_ca_cert" >/dev/null 2>&1 || die "openssl could not create the CA"
  printf 'subjectAltName = DNS:%s, IP:%s\nextendedKeyUsage = serverAuth\nkeyUsage = digitalSignature, keyEncipherment\n' \
    "$tls_server_name" "$bind_ip" >"$ext"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$tls_server_name" -keyout "$tls_server_key" -out "$tls_dir/server.csr" \
    >/dev/null 2>&1 || die "openssl could not create the server key"
  openssl x509 -req -in "$tls_dir/server.csr" -CA "$tls_ca_cert" -CAkey "$tls_ca_key" -CAcreateserial -days 825 \
    -extfile "$ext" -out "$tls_server_cert" >/dev/null 2>&1 || die "openssl could not sign the server certificate"
  rm -f "$tls_dir/server.csr" "$ext"
  # Clients (the CLI, workers, tests) read the CA certificate; the keys stay private (umask 077).
  chmod 644 "$tls_ca_cert"
}

# The host-based pg_hba.conf record type: hostssl refuses every TCP login that is not encrypted.
tls_pg_hba_type() { if tls_enabled; then echo hostssl; else echo host; fi; }

# PostgreSQL reads its key only when the server's user owns it with mode 600, so it gets a copy in its data dir.
tls_pg_config() {
  tls_enabled || return 0
  cp "$tls_server_cert" "$pg_data/server.crt"
  cp "$tls_server_key" "$pg_data/server.key"
  chmod 600 "$pg_data/server.crt" "$pg_data/server.key"
  if is_root; then chown postgres: "$pg_data/server.crt" "$pg_data/server.key"; fi
  cat >>"$pg_data/cai.conf" <<EOF
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
ssl_min_protocol_version = 'TLSv1.2'
EOF
}

# RabbitMQ listener lines: AMQP over TLS only, or the plain listener.
tls_rmq_listeners() {
  if tls_enabled; then
    cat <<EOF
listeners.tcp = none
listeners.ssl.1 = $bind_ip:$amqp_port
ssl_options.cacertfile = $tls_ca_cert
ssl_options.certfile = $tls_server_cert
ssl_options.keyfile = $tls_server_key
# Client certificates are checked against the CA when a client sends one, but not required.
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = false
EOF
  else
    printf 'listeners.tcp.1 = %s:%s\nlisteners.ssl = none\n' "$bind_ip" "$amqp_port"
  fi
}

# The connection string's TLS part: verify the chain against our CA and the host name.
tls_pg_connection_suffix() {
  if tls_enabled; then printf ';SSL Mode=VerifyFull;Root Certificate=%s' "$tls_ca_cert"; fi
}

tls_emit_env() {
  tls_enabled || return 0
  emit RabbitMq__Tls__Enabled true
  emit RabbitMq__Tls__ServerName "$tls_server_name"
  emit RabbitMq__Tls__CaCertificate "$tls_ca_cert"
}
