# PostgreSQL streaming-replication standby for infra/services.sh (sourced by it; uses its variables and helpers:
# pg_bin, pg_data, pg_port, bind_ip, state_dir, creds_file, as_pg, pg_os_user, info, die, timeout_s).
#
#   services.sh up --postgres-standby   primary as usual, plus a standby on $CAI_PG_STANDBY_PORT (default port + 10),
#                                       copied with pg_basebackup and fed by streaming replication (slot cai_standby)
#   services.sh promote                 promote the standby (pg_ctl promote); the old primary is retired
#   services.sh env                     a multi-host connection string once a standby exists
#
# Replication is synchronous (synchronous_standby_names + synchronous_commit = on): a commit returns only once the
# standby has flushed its WAL, so a promotion after the primary dies loses no acknowledged transaction. The price:
# while the standby is down, every commit on the primary waits. See docs/running-at-scale.md (PostgreSQL failover).

readonly pg_standby_port=${CAI_PG_STANDBY_PORT:-$((pg_port + 10))}
readonly pg_replication_user=cai_replicator
# The standby's name in the primary's synchronous_standby_names and its replication slot.
readonly pg_standby_name=cai_standby
# on: the standby has flushed the commit's WAL (survives the primary's death); remote_apply also waits for replay.
readonly pg_sync_commit=${CAI_PG_SYNCHRONOUS_COMMIT:-on}

pg_standby_data=$state_dir/postgres-standby
pg_standby_log=$state_dir/postgres-standby.log
# Written by 'promote': the primary's data dir is behind the promoted standby's timeline and must never start again
# as a primary (two primaries would each accept writes).
pg_retired_marker=$state_dir/postgres.retired
pg_replication_password=""

# Whether this state folder runs a standby: asked for now, or set up by an earlier 'up --postgres-standby'.
pg_standby_wanted=false
standby_configured() { [[ $pg_standby_wanted == true || -f $pg_standby_data/PG_VERSION ]]; }
primary_retired() { [[ -f $pg_retired_marker ]]; }

standby_running() {
  [[ -f $pg_standby_data/PG_VERSION ]] && as_pg "$pg_bin/pg_ctl" status -D "$pg_standby_data" >/dev/null 2>&1
}

# Its own key in the credentials file (added on first use), read without sourcing the file.
standby_credentials() {
  local key value
  if [[ -f $creds_file ]]; then
    while IFS='=' read -r key value; do
      [[ $key == CAI_PG_REPLICATION_PASSWORD ]] && pg_replication_password=$value
    done <"$creds_file"
  fi
  if [[ -z $pg_replication_password ]]; then
    pg_replication_password=$(random_secret)
    printf 'CAI_PG_REPLICATION_PASSWORD=%s\n' "$pg_replication_password" >>"$creds_file"
  fi
}

# The primary's side: replication role, pg_hba line, slot. Synchronous commit is switched on only once the standby
# streams (standby_enable_sync), so the primary's own provisioning never waits for a standby that does not exist yet.
standby_prepare_primary() {
  standby_credentials
  printf 'host    replication  %s  127.0.0.1/32  scram-sha-256\n' "$pg_replication_user" >>"$pg_data/pg_hba.conf"
  as_pg "$pg_bin/pg_ctl" reload -D "$pg_data" >/dev/null
  as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$pg_data" -p "$pg_port" -U "$(pg_os_user)" -d postgres >/dev/null <<EOF ||
SELECT 'CREATE ROLE $pg_replication_user REPLICATION LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$pg_replication_user') \gexec
ALTER ROLE $pg_replication_user WITH REPLICATION LOGIN PASSWORD '$pg_replication_password';
EOF
    die "could not create the replication role on the primary; log: $pg_log"
}

# Primary and standby each get their own replication settings file, included after cai.conf.
standby_include() {
  local dir=$1
  if ! grep -q "^include_if_exists 'cai-replication.conf'" "$dir/postgresql.conf"; then
    printf "include_if_exists 'cai-replication.conf'\n" >>"$dir/postgresql.conf"
  fi
}

standby_enable_sync() {
  cat >"$pg_data/cai-replication.conf" <<EOF
# Managed by infra/postgres-standby.sh: commits wait until the standby has the WAL.
synchronous_standby_names = '$pg_standby_name'
synchronous_commit = $pg_sync_commit
EOF
  if is_root; then chown postgres: "$pg_data/cai-replication.conf"; fi
  standby_include "$pg_data"
  as_pg "$pg_bin/pg_ctl" reload -D "$pg_data" >/dev/null
}

# Called by pg_up before it writes to the primary: a synchronous primary whose standby is not running would block
# every commit, its own provisioning included, so synchronous commit waits until standby_up has the standby streaming.
standby_before_provision() {
  standby_running && return 0
  [[ -f $pg_data/cai-replication.conf ]] || return 0
  rm -f "$pg_data/cai-replication.conf"
  as_pg "$pg_bin/pg_ctl" reload -D "$pg_data" >/dev/null
}

# A fresh copy of the primary (pg_basebackup, WAL streamed alongside) with its own port, socket and settings.
standby_init() {
  [[ -f $pg_standby_data/PG_VERSION ]] && return 0
  info "postgres standby: copying the primary into $pg_standby_data (pg_basebackup)"
  rm -rf -- "$pg_standby_data"
  mkdir -p "$pg_standby_data"
  chmod 700 "$pg_standby_data"
  if is_root; then chown postgres: "$pg_standby_data"; fi
  # A slot left by an earlier standby would make -C fail; the new copy starts from a new one.
  as_pg psql -X -q -h "$pg_data" -p "$pg_port" -U "$(pg_os_user)" -d postgres \
    -c "SELECT pg_drop_replication_slot('$pg_standby_name') FROM pg_replication_slots WHERE slot_name = '$pg_standby_name'" >/dev/null
  # The password reaches pg_basebackup through its environment, never its command line.
  PGPASSWORD=$pg_replication_password as_pg "$pg_bin/pg_basebackup" -h "$bind_ip" -p "$pg_port" -U "$pg_replication_user" \
    -D "$pg_standby_data" -X stream -C -S "$pg_standby_name" --checkpoint=fast >"$state_dir/basebackup.log" 2>&1 ||
    die "pg_basebackup failed; see $state_dir/basebackup.log"
  # The copy has the primary's settings; the standby must not wait for a standby of its own.
  rm -f "$pg_standby_data/cai-replication.conf" "$pg_standby_data/postmaster.pid"
}

standby_write_config() {
  cat >"$pg_standby_data/cai.conf" <<EOF
# Managed by infra/postgres-standby.sh; rewritten on every 'up'.
listen_addresses = '$bind_ip'
port = $pg_standby_port
unix_socket_directories = '$pg_standby_data'
unix_socket_permissions = 0700
password_encryption = 'scram-sha-256'
max_connections = 200
EOF
  if primary_retired; then
    # Promoted: a primary without a standby.
    rm -f "$pg_standby_data/cai-replication.conf"
  else
    cat >"$pg_standby_data/cai-replication.conf" <<EOF
# Managed by infra/postgres-standby.sh: stream from the primary; promoted with 'services.sh promote'.
primary_conninfo = 'host=$bind_ip port=$pg_port user=$pg_replication_user password=$pg_replication_password application_name=$pg_standby_name'
primary_slot_name = '$pg_standby_name'
hot_standby = on
EOF
    touch "$pg_standby_data/standby.signal"
    chmod 600 "$pg_standby_data/cai-replication.conf"
  fi
  standby_include "$pg_standby_data"
  touch "$pg_standby_log"
  if is_root; then chown -R postgres: "$pg_standby_data" "$pg_standby_log"; fi
}

standby_wait_ready() {
  local deadline=$((SECONDS + timeout_s))
  until pg_isready -q -h "$bind_ip" -p "$pg_standby_port" -t 2; do
    ((SECONDS < deadline)) || die "PostgreSQL standby did not accept connections within ${timeout_s}s; log: $pg_standby_log"
    sleep 0.5
  done
}

# Waits until the primary reports the standby as its synchronous standby, streaming.
standby_wait_streaming() {
  local deadline=$((SECONDS + timeout_s)) state
  while :; do
    state=$(as_pg psql -X -q -At -h "$pg_data" -p "$pg_port" -U "$(pg_os_user)" -d postgres \
      -c "SELECT state FROM pg_stat_replication WHERE application_name = '$pg_standby_name'" 2>/dev/null || true)
    [[ $state == streaming ]] && return 0
    ((SECONDS < deadline)) || die "the standby is not streaming from the primary after ${timeout_s}s; log: $pg_standby_log"
    sleep 0.5
  done
}

standby_start() {
  if standby_running; then return 0; fi
  if port_open "$pg_standby_port"; then
    die "port $pg_standby_port (standby) is already in use by another process; set CAI_PG_STANDBY_PORT"
  fi
  as_pg "$pg_bin/pg_ctl" start -D "$pg_standby_data" -l "$pg_standby_log" -w -t "$timeout_s" >/dev/null 2>&1 9>&- ||
    die "PostgreSQL standby failed to start; log: $pg_standby_log"
  standby_wait_ready
}

# Called by pg_up once the primary runs and is provisioned.
standby_up() {
  standby_prepare_primary
  standby_init
  standby_write_config
  standby_start
  standby_wait_streaming
  standby_enable_sync
  info "postgres standby: streaming on $bind_ip:$pg_standby_port (synchronous_commit = $pg_sync_commit)"
}

# Called by pg_up instead of starting the primary once the standby was promoted.
standby_up_promoted() {
  info "postgres: the primary on port $pg_port was retired by 'promote'; the promoted standby on $pg_standby_port is the primary"
  standby_write_config
  standby_start
}

standby_down() {
  if ! standby_running; then return 0; fi
  as_pg "$pg_bin/pg_ctl" stop -D "$pg_standby_data" -m fast -w -t "$timeout_s" >/dev/null ||
    die "PostgreSQL standby did not stop; log: $pg_standby_log"
  info "postgres standby: stopped"
}

cmd_promote() {
  find_pg_bin
  [[ -f $pg_standby_data/PG_VERSION ]] || die "no standby in $state_dir (start one with 'up --postgres-standby')"
  primary_retired && die "the standby was already promoted"
  standby_running || die "the standby is not running; log: $pg_standby_log"
  with_lock
  # Retire first: from now on nothing may start the old primary as a primary again.
  printf 'retired by promote at %s: its data is behind the promoted standby (port %s)\n' "$(date -u +%FT%TZ)" \
    "$pg_standby_port" >"$pg_retired_marker"
  if pg_running; then
    info "postgres: stopping the old primary on port $pg_port"
    as_pg "$pg_bin/pg_ctl" stop -D "$pg_data" -m immediate -w -t "$timeout_s" >/dev/null 2>&1 || true
  fi
  as_pg "$pg_bin/pg_ctl" promote -D "$pg_standby_data" -w -t "$timeout_s" >/dev/null ||
    die "pg_ctl promote failed; log: $pg_standby_log"
  # The promoted server keeps streaming settings in memory until reloaded; drop them.
  standby_write_config
  as_pg "$pg_bin/pg_ctl" reload -D "$pg_standby_data" >/dev/null
  info "postgres: standby on $bind_ip:$pg_standby_port promoted to primary"
}

# Host list for the connection string: both servers, so clients find whichever is the primary.
standby_hosts() { printf '%s:%s,%s:%s' "$bind_ip" "$pg_port" "$bind_ip" "$pg_standby_port"; }

standby_status() {
  [[ -f $pg_standby_data/PG_VERSION ]] || return 0
  local role=standby
  if primary_retired; then role=primary; fi
  if standby_running; then
    printf '%-9s running  %s:%s (%s)\n' standby "$bind_ip" "$pg_standby_port" "$role"
  else
    printf '%-9s stopped  %s:%s (%s)\n' standby "$bind_ip" "$pg_standby_port" "$role"
    return 3
  fi
}
