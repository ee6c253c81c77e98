#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# [Cues] audio = yes: every cue is handed to espeak-ng (a stand-in on PATH
# here records what it is asked to say), in the configured voice; the
# children are reaped and paced carries on.
# Without a sound device espeak-ng fails on every cue and ALSA writes its
# errors (737 lines in one session, once): paced warns once, with the
# first line, keeps the rest out of the log, tries less and less often, says
# when speaking works again, and the workout is never affected.
source "$(dirname "$0")/lib.sh"
lib_init
start_bus

mkdir -p "$T/bin"
touch "$T/no-sound-device"
cat > "$T/bin/espeak-ng" <<SH
#!/bin/sh
echo "\$*" >> "$T/spoken"
if [ -e "$T/no-sound-device" ]; then
        echo "ALSA lib confmisc.c:855:(parse_card) cannot find card '0'" >&2
        echo "ALSA lib conf.c:5180:(_snd_config_evaluate) function snd_func_card_inum returned error" >&2
        echo "ALSA lib pcm.c:2664:(snd_pcm_open_noupdate) Unknown PCM default" >&2
        exit 1
fi
echo "spoken" # stdout: nowhere either
SH
chmod +x "$T/bin/espeak-ng"
export PATH="$T/bin:$PATH"

cat > "$T/paced.conf" <<CONF
[Safety]
allow_remote_start = yes
[Cues]
audio = yes
voice = en-gb
lead_time = 5s
CONF
# Short steps: a cue every few seconds of real time.
cat > "$T/short-reps.txt" <<TXT
# name: Short reps
Reps 20x
- Jog 40s 85% easy Pace
- Fast 20s 100% mile Pace
TXT
start_paced --simulate --time-scale 20 --verbose
treadmill_connected() {
        [ "$(busctl --address="$BUS_ADDRESS" get-property io.paced.paced1 \
                /io/paced/paced1/device/treadmill io.paced.paced1.Device Connected)" = "b true" ]
}
wait_for 20 treadmill_connected || fail "simulated treadmill never connected"
expect_rc 0 pc start "$T/short-reps.txt"
wait_for 10 prop_is State '"running"' || fail "not running"

# No sound device: many cues, one warning, no ALSA line, few attempts.
cues() { grep -c 'Cue (' "$T/paced.log" || true; }
spoken() { if [ -f "$T/spoken" ]; then wc -l < "$T/spoken"; else echo 0; fi; }
enough_cues() { [ "$(cues)" -ge 8 ]; }
wait_for 90 enough_cues || fail "only $(cues) cues"
[ "$(spoken)" -ge 1 ] || fail "espeak-ng never tried"
[ "$(spoken)" -lt "$(cues)" ] || fail "no back-off: $(spoken) attempts for $(cues) cues"
! grep -q '^ALSA lib\|^spoken$' "$T/paced.log" ||
        fail "espeak-ng's output in the log: $(grep -c '^ALSA lib' "$T/paced.log") lines"
[ "$(grep -c 'Cannot speak cues' "$T/paced.log")" -eq 1 ] ||
        fail "not one warning: $(grep 'Cannot speak cues' "$T/paced.log")"
grep -q "Cannot speak cues (espeak-ng exited with status 1: ALSA lib confmisc.c:855:(parse_card) cannot find card '0')" \
        "$T/paced.log" || fail "the warning lacks the reason: $(grep 'speak cues' "$T/paced.log")"
prop_is State '"running"' || fail "workout disturbed by the failing speaker: $(prop State)"
log "$(cues) cues, $(spoken) attempts, one warning"

# The sound device comes back: after the quiet time, cues are spoken again.
rm "$T/no-sound-device"
: > "$T/spoken"
wait_for 60 grep -q 'Spoken cues work again' "$T/paced.log" || fail "speaking never resumed"
spoken_enough() { [ "$(spoken)" -ge 3 ]; }
wait_for 60 spoken_enough || fail "cues not spoken after recovery: $(cat "$T/spoken")"
grep -q '^-v en-gb -- ' "$T/spoken" || fail "voice not passed: $(head -3 "$T/spoken")"
kill -0 "$PACED_PID" || fail "paced died while speaking"
prop_is State '"running"' || fail "workout disturbed by the speaker: $(prop State)"
# No zombies left behind: every espeak-ng was reaped.
! ps --ppid "$PACED_PID" -o stat= | grep -q Z || fail "unreaped espeak-ng children"
stop_paced TERM
[ "$PACED_RC" -eq 0 ] || fail "exit $PACED_RC"
log "PASS"
