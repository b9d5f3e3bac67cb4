/* notify.h -- the systemd readiness protocol (sd_notify), written by hand:
 * one datagram to the AF_UNIX socket named by $NOTIFY_SOCKET ("/path" or
 * "@abstract").  No libsystemd needed; a no-op when the variable is unset.
 * Also socket activation: the listening socket systemd passes in fd 3. */
#ifndef WH_NOTIFY_H
#define WH_NOTIFY_H

#include <stdbool.h>

/* Sends state, e.g. "READY=1\nSTATUS=serving".  Returns false if the
 * variable is set but the message could not be sent. */
bool wh_notify(const char *state);

/* The socket of socket activation ($LISTEN_PID is us, $LISTEN_FDS == 1),
 * or -1.  Unsets the variables so no child sees them. */
int wh_listen_fd_from_systemd(void);

#endif
