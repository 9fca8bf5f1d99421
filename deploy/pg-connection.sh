# Turns an Npgsql connection string (the apps' Database:ConnectionString) into libpq settings
# (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, ...). Sourced by backup.sh and restore.sh, which
# define fail() first.
PG_HOST=127.0.0.1 PG_PORT=5432 PG_USER=postgres PG_PASSWORD="" PG_DATABASE=""
PG_SSLMODE="" PG_ROOTCERT="" PG_TARGET="" PG_REQUIREAUTH=""

trim() { local v="$1"; v="${v#"${v%%[![:space:]]*}"}"; v="${v%"${v##*[![:space:]]}"}"; printf '%s' "$v"; }

parse_connection_string() {
  local s="$1" n=${#1} i=0 key value quote c
  while [ "$i" -lt "$n" ]; do
    key=""
    while [ "$i" -lt "$n" ] && [ "${s:i:1}" != "=" ]; do
      if [ "${s:i:1}" = ";" ]; then
        [ -z "$(trim "$key")" ] || fail "connection string: \"$(trim "$key")\" has no value (expected Key=Value;...)"
        key=""; i=$((i + 1)); continue
      fi
      key+="${s:i:1}"; i=$((i + 1))
    done
    key="$(trim "$key")"
    if [ "$i" -ge "$n" ]; then
      [ -z "$key" ] || fail "connection string: \"$key\" has no value (expected Key=Value;...)"
      break
    fi
    i=$((i + 1)) # '='
    while [ "$i" -lt "$n" ] && [[ "${s:i:1}" =~ [[:space:]] ]]; do i=$((i + 1)); done
    value=""
    c="${s:i:1}"
    if [ "$c" = "'" ] || [ "$c" = '"' ]; then
      quote="$c"; i=$((i + 1))
      while :; do
        [ "$i" -lt "$n" ] || fail "connection string: the value of \"$key\" has no closing $quote"
        c="${s:i:1}"
        if [ "$c" = "$quote" ]; then
          if [ "${s:i+1:1}" = "$quote" ]; then value+="$quote"; i=$((i + 2)); continue; fi
          i=$((i + 1)); break
        fi
        value+="$c"; i=$((i + 1))
      done
      while [ "$i" -lt "$n" ] && [[ "${s:i:1}" =~ [[:space:]] ]]; do i=$((i + 1)); done
      [ "$i" -ge "$n" ] || [ "${s:i:1}" = ";" ] || fail "connection string: unexpected text after the quoted value of \"$key\""
    else
      while [ "$i" -lt "$n" ] && [ "${s:i:1}" != ";" ]; do value+="${s:i:1}"; i=$((i + 1)); done
      value="$(trim "$value")"
    fi
    i=$((i + 1)) # ';'
    [ -n "$key" ] || fail "connection string: a value without a key"
    case "$(printf '%s' "$key" | tr -d '[:space:]' | tr '[:upper:]' '[:lower:]')" in
      host|server) PG_HOST="$value" ;;
      port) PG_PORT="$value" ;;
      database|db) PG_DATABASE="$value" ;;
      username|userid|uid|user) PG_USER="$value" ;;
      password|pwd|psw) PG_PASSWORD="$value" ;;
      sslmode) PG_SSLMODE="$value" ;;
      rootcertificate) PG_ROOTCERT="$value" ;;
      targetsessionattributes) PG_TARGET="$value" ;;
      requireauth) PG_REQUIREAUTH="$value" ;;
      *) ;; # pooling, timeouts and the like mean nothing to the client tools
    esac
  done
  [ -n "$PG_HOST" ] || PG_HOST=127.0.0.1
  [ -n "$PG_PORT" ] || PG_PORT=5432
  [ -n "$PG_USER" ] || PG_USER=postgres
  [[ "$PG_PORT" =~ ^[0-9]+$ ]] || fail "connection string: Port \"$PG_PORT\" is not a number"
  [ -n "$PG_DATABASE" ] || fail "connection string: Database is missing"
}

# Npgsql's "Host=a:5433,b" becomes libpq's host "a,b" and port "5433,<Port>".
PG_HOSTS="" PG_PORTS="" PG_HOST_COUNT=0
split_hosts() {
  local entry host port entries=() hosts=() ports=()
  IFS=',' read -r -a entries <<< "$PG_HOST"
  for entry in "${entries[@]}"; do
    entry="$(trim "$entry")"; host="$entry"; port="$PG_PORT"
    if [[ "$entry" =~ ^\[(.*)\](:([0-9]+))?$ ]]; then           # [IPv6] or [IPv6]:port
      host="${BASH_REMATCH[1]}"; port="${BASH_REMATCH[3]:-$PG_PORT}"
    elif [[ "$entry" =~ ^([^:]+):([0-9]+)$ ]]; then              # name:port (one colon)
      host="${BASH_REMATCH[1]}"; port="${BASH_REMATCH[2]}"
    fi
    [ -n "$host" ] || fail "connection string: an empty entry in Host"
    hosts+=("$host"); ports+=("$port")
  done
  PG_HOST_COUNT=${#hosts[@]}
  PG_HOSTS="$(IFS=,; echo "${hosts[*]}")"
  PG_PORTS="$(IFS=,; echo "${ports[*]}")"
}

# Settings libpq reads from the environment; the password never appears on a command line.
export_libpq_settings() {
  if [ -n "$PG_PASSWORD" ]; then export PGPASSWORD="$PG_PASSWORD"; fi
  if [ -n "$PG_SSLMODE" ]; then
    case "$(printf '%s' "$PG_SSLMODE" | tr -d '[:space:]-' | tr '[:upper:]' '[:lower:]')" in
      disable) export PGSSLMODE=disable ;;
      allow) export PGSSLMODE=allow ;;
      prefer) export PGSSLMODE=prefer ;;
      require) export PGSSLMODE=require ;;
      verifyca) export PGSSLMODE=verify-ca ;;
      verifyfull) export PGSSLMODE=verify-full ;;
      *) fail "connection string: unknown SSL Mode \"$PG_SSLMODE\"" ;;
    esac
  fi
  if [ -n "$PG_ROOTCERT" ]; then export PGSSLROOTCERT="$PG_ROOTCERT"; fi
  if [ -n "$PG_REQUIREAUTH" ]; then
    # Npgsql's names (ScramSHA256, MD5, Password, GSS, SSPI, None, each may start with !) as libpq's.
    local modes="" mode negate
    IFS=, read -ra requested <<< "$PG_REQUIREAUTH"
    for mode in "${requested[@]}"; do
      mode="$(printf '%s' "$mode" | tr -d '[:space:]' | tr '[:upper:]' '[:lower:]')"
      negate=""; if [ "${mode:0:1}" = "!" ]; then negate="!"; mode="${mode:1}"; fi
      case "$mode" in
        scramsha256) mode=scram-sha-256 ;;
        md5|password|gss|sspi|none) ;;
        *) fail "connection string: unknown Require Auth \"$PG_REQUIREAUTH\"" ;;
      esac
      modes="${modes:+$modes,}$negate$mode"
    done
    export PGREQUIREAUTH="$modes"
    local major; major="$(psql --version 2>/dev/null | grep -oE '[0-9]+' | head -1 || true)"
    if [ -n "$major" ] && [ "$major" -lt 16 ]; then
      echo "warning: Require Auth is enforced by PostgreSQL 16's client tools and later; these are $major, which send the password to any server on the port that asks for it." >&2
    fi
  fi
  if [ -n "$PG_TARGET" ]; then
    case "$(printf '%s' "$PG_TARGET" | tr -d '[:space:]' | tr '[:upper:]' '[:lower:]')" in
      any|prefer-primary|preferprimary) ;; # libpq's default: the hosts in order
      primary) export PGTARGETSESSIONATTRS=primary ;;
      standby) export PGTARGETSESSIONATTRS=standby ;;
      prefer-standby|preferstandby) export PGTARGETSESSIONATTRS=prefer-standby ;;
      read-write|readwrite) export PGTARGETSESSIONATTRS=read-write ;;
      read-only|readonly) export PGTARGETSESSIONATTRS=read-only ;;
      *) fail "connection string: unknown Target Session Attributes \"$PG_TARGET\"" ;;
    esac
  fi
}
