# shellcheck shell=bash
# A RabbitMQ cluster of N nodes on loopback, for infra/services.sh (sourced by it; not run on its own).
#
#   infra/services.sh up --rabbitmq-nodes 3
#
# Node 1 is the single node services.sh always runs (cai@localhost, state in rabbitmq/, the base ports). Node i > 1 is
# cai-i@localhost with its state in rabbitmq-i/ and the base AMQP, management and distribution ports shifted by
# (i - 1) × $CAI_RABBITMQ_NODE_PORT_STEP (default 10), so another checkout that shifts the base ports shifts the
# whole cluster. All nodes share one Erlang cookie (node 1's) and one epmd (the base epmd port): Erlang nodes on one
# host find each other through the same epmd. Nodes 2..N join node 1 with `rabbitmqctl join_cluster` once; after
# that they are started together (a node that was not the last to stop waits for its peers before it opens its ports).
# The node count is remembered in $state_dir/rabbitmq-nodes, so `down`, `status`, `env` and a plain `up` (what every
# ./cai command runs) act on the whole cluster.

rmq_nodes_file=$state_dir/rabbitmq-nodes
readonly rmq_port_step=${CAI_RABBITMQ_NODE_PORT_STEP:-10}
readonly rmq_base_amqp_port=$amqp_port rmq_base_mgmt_port=$mgmt_port rmq_base_dist_port=$dist_port
readonly rmq_base_home=$rmq_home rmq_base_node=$rmq_node
# How many nodes `up` was asked for (--rabbitmq-nodes); empty: what the state folder holds, else 1.
rabbitmq_nodes_requested=""

# The node count this state folder runs.
rmq_node_count() {
  local n=""
  if [[ -f $rmq_nodes_file ]]; then n=$(<"$rmq_nodes_file"); fi
  [[ $n =~ ^[1-9][0-9]*$ ]] && echo "$n" || echo 1
}

# Points the RabbitMQ globals of services.sh (ports, node name, HOME, pid file, logs) at node $1.
rmq_select_node() {
  local i=$1 offset=$(((${1} - 1) * rmq_port_step))
  amqp_port=$((rmq_base_amqp_port + offset))
  mgmt_port=$((rmq_base_mgmt_port + offset))
  dist_port=$((rmq_base_dist_port + offset))
  if ((i == 1)); then
    rmq_node=$rmq_base_node
    rmq_home=$rmq_base_home
  else
    rmq_node=cai-$i@localhost
    rmq_home=$rmq_base_home-$i
  fi
  rmq_pid_file=$rmq_home/rabbitmq.pid
  rmq_log_dir=$rmq_home/log
}

# Checks --rabbitmq-nodes against what the state folder already holds, and records it.
rmq_cluster_configure() {
  local stored
  stored=$(rmq_node_count)
  [[ -z $rabbitmq_nodes_requested ]] && return 0
  [[ $rabbitmq_nodes_requested =~ ^[1-9]$ ]] || die "--rabbitmq-nodes must be a number from 1 to 9, got '$rabbitmq_nodes_requested'"
  if ((rabbitmq_nodes_requested != stored)) && [[ -d $rmq_base_home/mnesia ]]; then
    die "$state_dir holds a $stored-node RabbitMQ; run 'infra/services.sh reset' before starting $rabbitmq_nodes_requested node(s)"
  fi
  echo "$rabbitmq_nodes_requested" >"$rmq_nodes_file"
}

# Nodes 2..N take node 1's cookie: nodes of one cluster must share it.
rmq_cluster_share_cookie() {
  local n=$1 i cookie=$rmq_base_home/.erlang.cookie
  mkdir -p "$rmq_base_home"
  if [[ ! -s $cookie ]]; then
    random_secret >"$cookie"
    chmod 400 "$cookie"
  fi
  for ((i = 2; i <= n; i++)); do
    rmq_select_node "$i"
    mkdir -p "$rmq_home" "$rmq_log_dir"
    if ! cmp -s "$cookie" "$rmq_home/.erlang.cookie" 2>/dev/null; then
      rm -f "$rmq_home/.erlang.cookie"
      cp "$cookie" "$rmq_home/.erlang.cookie"
      chmod 400 "$rmq_home/.erlang.cookie"
    fi
  done
}

# True when node $i (selected) already lists node 1 among its cluster's disc nodes.
rmq_in_cluster() {
  rmq rabbitmqctl -q cluster_status --formatter json 2>/dev/null | grep -q "\"$rmq_base_node\""
}

rmq_cluster_join() {
  local i=$1
  rmq_select_node "$i"
  rmq_in_cluster && return 0
  info "rabbitmq: $rmq_node joins $rmq_base_node"
  rmq rabbitmqctl -q stop_app >/dev/null || die "rabbitmqctl stop_app on $rmq_node failed; logs: $rmq_log_dir"
  rmq rabbitmqctl -q join_cluster "$rmq_base_node" >/dev/null || die "$rmq_node could not join $rmq_base_node; logs: $rmq_log_dir"
  rmq rabbitmqctl -q start_app >/dev/null || die "rabbitmqctl start_app on $rmq_node failed; logs: $rmq_log_dir"
}

rmq_cluster_up() {
  local n i failed=0
  local -a pids=()
  n=$(rmq_node_count)
  if ((n == 1)); then rmq_up; return 0; fi
  rmq_cluster_share_cookie "$n"
  # All nodes start at once: after a full stop each waits for the peers it last saw. N nodes booting together on a
  # small machine take about N times as long as one, hence the longer wait.
  for ((i = 1; i <= n; i++)); do
    (rmq_select_node "$i"; timeout_s=$((timeout_s * n)); rmq_up) &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || failed=1; done
  ((failed == 0)) || die "a RabbitMQ node did not start (see above)"
  for ((i = 2; i <= n; i++)); do rmq_cluster_join "$i"; done
  rmq_select_node 1
  info "rabbitmq: $n-node cluster up (AMQP ports $(rmq_cluster_ports amqp))"
}

rmq_cluster_down() {
  local n i
  n=$(rmq_node_count)
  # Node 1 last: it is the one the others joined, and the one a plain restart waits for first.
  for ((i = n; i >= 1; i--)); do
    rmq_select_node "$i"
    rmq_down
  done
}

rmq_cluster_status() {
  local n i rc=0
  n=$(rmq_node_count)
  for ((i = 1; i <= n; i++)); do
    rmq_select_node "$i"
    if rmq_running; then
      printf '%-9s running  %s:%s (management http://%s:%s, node %s)\n' rabbitmq "$bind_ip" "$amqp_port" "$bind_ip" "$mgmt_port" "$rmq_node"
    else
      printf '%-9s stopped  %s:%s (management http://%s:%s, node %s)\n' rabbitmq "$bind_ip" "$amqp_port" "$bind_ip" "$mgmt_port" "$rmq_node"
      rc=3
    fi
  done
  rmq_select_node 1
  return "$rc"
}

# Space-separated AMQP (or management) ports of all nodes.
rmq_cluster_ports() {
  local kind=$1 n i out=""
  n=$(rmq_node_count)
  for ((i = 1; i <= n; i++)); do
    rmq_select_node "$i"
    if [[ $kind == amqp ]]; then out+="$amqp_port "; else out+="$mgmt_port "; fi
  done
  rmq_select_node 1
  printf '%s' "${out% }"
}

# RabbitMq__Hosts__0.. for `env`: host:port of every node's AMQP listener (RabbitMq__Host/Port stay node 1's).
rmq_cluster_env() {
  local n i=0 port
  n=$(rmq_node_count)
  ((n > 1)) || return 0
  for port in $(rmq_cluster_ports amqp); do emit "RabbitMq__Hosts__$i" "$bind_ip:$port"; i=$((i + 1)); done
}
