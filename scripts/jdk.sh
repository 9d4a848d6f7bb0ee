# shellcheck shell=bash
# Sourced by ./loomux, ./test and .ci/run. Finds a JDK 21 or newer (loomux is built with
# --release 21) and checks for Maven, with a message that says what to install when missing.
#
#   loomux_use_jdk       exports JAVA_HOME and PATH for the JDK found, or exits 1 saying why
#   loomux_locate_jdk    prints the JDK's home, or returns 1; prints nothing else
#   loomux_require_mvn   exits 1 unless mvn is on the PATH

LOOMUX_MIN_JAVA=21

# Prints the major version of the JDK at $1 (8 for 1.8, 21 for 21.0.2), or nothing.
loomux_java_major() {
    local home=$1 v=""
    if [[ -r "$home/release" ]]; then
        v=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release" | head -n 1)
    fi
    if [[ -z $v && -x "$home/bin/java" ]]; then
        v=$("$home/bin/java" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n 1)
    fi
    v=${v#1.}          # 1.8.0_392 -> 8.0_392
    v=${v%%[.+_-]*}    # 21.0.2 -> 21, 25-ea -> 25
    if [[ $v =~ ^[0-9]+$ ]]; then
        echo "$v"
    fi
}

# True if $1 is a JDK (it has javac: Maven compiles) of version LOOMUX_MIN_JAVA or newer.
loomux_is_jdk() {
    local home=$1 major
    [[ -n $home && -x "$home/bin/java" && -x "$home/bin/javac" ]] || return 1
    major=$(loomux_java_major "$home")
    [[ -n $major && $major -ge $LOOMUX_MIN_JAVA ]]
}

# Prints the JDK to use: $JAVA_HOME if good enough, else the newest one under /usr/lib/jvm,
# else the one that 'java' on the PATH belongs to.
loomux_locate_jdk() {
    if [[ -n ${JAVA_HOME:-} ]] && loomux_is_jdk "$JAVA_HOME"; then
        echo "$JAVA_HOME"
        return 0
    fi
    local best="" best_major=0 home major
    for home in /usr/lib/jvm/*/; do
        home=${home%/}
        loomux_is_jdk "$home" || continue
        major=$(loomux_java_major "$home")
        if (( major > best_major )); then
            best=$home
            best_major=$major
        fi
    done
    if [[ -z $best ]] && command -v java >/dev/null 2>&1; then
        home=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
        if loomux_is_jdk "$home"; then
            best=$home
        fi
    fi
    [[ -n $best ]] || return 1
    echo "$best"
}

loomux_use_jdk() {
    local home
    if ! home=$(loomux_locate_jdk); then
        echo "loomux needs a JDK $LOOMUX_MIN_JAVA or newer: set JAVA_HOME to one, or install one" \
             "(e.g. apt-get install openjdk-21-jdk or a Temurin 21+ under /usr/lib/jvm)" >&2
        exit 1
    fi
    export JAVA_HOME=$home
    export PATH="$JAVA_HOME/bin:$PATH"
}

loomux_require_mvn() {
    if ! command -v mvn >/dev/null 2>&1; then
        echo "loomux needs Maven (mvn) to build: apt-get install -y maven" >&2
        exit 1
    fi
}
