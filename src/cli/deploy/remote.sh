# What `networknodes deploy` / `undeploy` run on the remote machine, one step per call:
#   bash -c "$(cat remote.sh)" nn-deploy STEP DIR [ARGS...]
# DIR holds everything deploy installs: app/ (the project, .venv, node_modules), home/ (NN_HOME),
# node.env (the join string, owner-only), run.sh, name, and node.pid and node.log (no systemd).
set -eu
step=$1
dir=$2
shift 2
case $dir in "~") dir=$HOME ;; "~/"*) dir=$HOME/${dir#"~/"} ;; esac
case $dir in /*) ;; *) echo "the install directory must be absolute or start with ~/: $dir" >&2; exit 2 ;; esac
# A directory only deploy made may be deleted or overwritten by it.
marker=$dir/.networknodes-deploy
unit=networknodes-node.service
unit_file=${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user/$unit

has_systemd() { systemctl --user show-environment >/dev/null 2>&1; }
# A zombie (reaped by nobody once the SSH session that started it ended) is gone too.
alive() { [ -r "/proc/$1/stat" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -c1)" != Z ]; }
node_pid() {
  pid=$(cat "$dir/node.pid" 2>/dev/null || true)
  # Not another process that reused the number.
  if [ -n "$pid" ] && alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'networknodes.js join'; then echo "$pid"; fi
}
export_setup_env() { for kv in "$@"; do export "${kv?}"; done; }

stop_node() {
  if [ -f "$unit_file" ] && has_systemd; then systemctl --user stop "$unit" 2>/dev/null || true; fi
  pid=$(node_pid)
  if [ -n "$pid" ]; then
    # SIGTERM: the node hands its running segments back to the queue, then exits.
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 120); do alive "$pid" || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/node.pid"
}

case $step in
facts)
  # What the pre-flight judges, one key=value a line.
  probe=$dir
  while [ ! -d "$probe" ]; do probe=$(dirname "$probe"); done
  echo "os=$(uname -s)"
  echo "arch=$(uname -m)"
  echo "hostname=$(hostname 2>/dev/null || cat /etc/hostname 2>/dev/null || echo unknown)"
  echo "node=$(node -p process.versions.node 2>/dev/null || true)"
  echo "npm=$(command -v npm || true)"
  echo "tar=$(command -v tar || true)"
  echo "free_kb=$(df -Pk "$probe" | awk 'NR==2 {print $4}')"
  echo "root=$([ "$(id -u)" -eq 0 ] && echo yes || echo no)"
  echo "sudo=$(sudo -n true 2>/dev/null && echo yes || echo no)"
  echo "systemd=$(has_systemd && echo yes || echo no)"
  echo "deployed=$([ -f "$marker" ] && echo yes || echo no)"
  echo "name=$(cat "$dir/name" 2>/dev/null || true)"
  echo "dir=$dir"
  ;;
receive)
  # The project's files, a tar.gz on stdin, into app.new beside the running version.
  if [ -e "$dir" ] && [ ! -f "$marker" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
    echo "$dir exists and was not made by networknodes deploy: choose another --dir" >&2; exit 2
  fi
  mkdir -p "$dir"
  chmod 700 "$dir"
  touch "$marker"
  rm -rf "$dir/app.new"
  mkdir "$dir/app.new"
  tar -xzf - --no-same-owner -C "$dir/app.new"
  ;;
check)
  export_setup_env "$@"
  bash "$dir/app.new/scripts/setup.sh" --check
  ;;
activate)
  # The new version replaces the old one; its Python and npm environments move over, so set-up
  # only changes what the new lock files change.
  stop_node
  for kept in .venv node_modules; do
    if [ -d "$dir/app/$kept" ]; then mv "$dir/app/$kept" "$dir/app.new/$kept"; fi
  done
  rm -rf "$dir/app"
  mv "$dir/app.new" "$dir/app"
  ;;
setup)
  export_setup_env "$@"
  cd "$dir/app"
  bash scripts/setup.sh 2>&1
  ;;
secret)
  # The join string (it carries the token) arrives on stdin and is kept owner-only.
  IFS= read -r join
  umask 077
  printf 'NN_JOIN=%s\nNN_HOME=%s\n' "$join" "$dir/home" >"$dir/node.env.tmp"
  mv "$dir/node.env.tmp" "$dir/node.env"
  ;;
start)
  name=$1
  workers=${2:-}
  node=$(command -v node)
  mkdir -p "$dir/home"
  echo "$name" >"$dir/name"
  umask 077
  {
    echo '#!/bin/sh'
    echo '# Written by networknodes deploy: the render node, joined with the join string in node.env.'
    echo "set -a; . '$dir/node.env'; set +a"
    echo "cd '$dir/app' || exit 1"
    echo "exec '$node' bin/networknodes.js join --name '$name'${workers:+ --workers $workers}"
  } >"$dir/run.sh"
  if has_systemd; then
    mkdir -p "$(dirname "$unit_file")"
    cat >"$unit_file" <<EOF
[Unit]
Description=NetworkNodes render node (networknodes deploy, $dir)
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=/bin/sh $dir/run.sh
Restart=on-failure
RestartSec=10
TimeoutStopSec=90

[Install]
WantedBy=default.target
EOF
    systemctl --user daemon-reload
    systemctl --user enable "$unit" >/dev/null
    systemctl --user restart "$unit"
    echo "service=systemd"
    echo "linger=$(loginctl show-user "$(id -un)" -p Linger --value 2>/dev/null || echo unknown)"
  else
    # Its own session, so the node outlives the SSH connection that starts it.
    # Where this run's lines begin, for whoever reads the log (deploy shows its end on a failure).
    echo "--- started by networknodes deploy at $(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$dir/node.log"
    if command -v setsid >/dev/null; then
      setsid nohup /bin/sh "$dir/run.sh" >>"$dir/node.log" 2>&1 </dev/null &
    else
      nohup /bin/sh "$dir/run.sh" >>"$dir/node.log" 2>&1 </dev/null &
    fi
    echo $! >"$dir/node.pid"
    echo "service=process"
  fi
  ;;
running)
  if [ -f "$unit_file" ] && has_systemd; then
    systemctl --user is-active --quiet "$unit" && echo yes || echo no
  else
    [ -n "$(node_pid)" ] && echo yes || echo no
  fi
  ;;
logs)
  if [ -f "$unit_file" ] && has_systemd; then
    journalctl --user -u "$unit" -n 40 --no-pager 2>&1 || true
  else
    tail -n 40 "$dir/node.log" 2>/dev/null || echo "(no log at $dir/node.log)"
  fi
  ;;
remove)
  [ -f "$marker" ] || { echo "nothing deployed in $dir" >&2; exit 3; }
  stop_node
  if [ -f "$unit_file" ]; then
    if has_systemd; then systemctl --user disable "$unit" >/dev/null 2>&1 || true; fi
    rm -f "$unit_file"
    if has_systemd; then systemctl --user daemon-reload || true; fi
  fi
  rm -rf "$dir"
  ;;
*)
  echo "unknown step $step" >&2; exit 2 ;;
esac
