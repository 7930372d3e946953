/* sandbox-portfwd: published TCP ports of user networks (rootlessport's job).
 *
 *   sandbox-portfwd --control FD [--userns FD] --netns FD
 *
 * One runs per user network namespace, beside its slirp4netns, and one per
 * default-network container that publishes TCP ports. sandbox execs it in
 * its own namespaces; it joins the user namespace (of the pause process or
 * the container; none when it is sandbox's own) and the network namespace
 * whose fds it got, closes them, and drops its privileges, so every socket
 * made here is a socket of that namespace; the listening sockets on host
 * ports were made by sandbox in the host's network namespace and passed to
 * us. Joining after the exec keeps the user namespace this process image
 * was made in the host's: a process of the joined user namespace, even with
 * CAP_SYS_PTRACE there, cannot ptrace or read us (we are not dumpable).
 *
 * FD is a listening SOCK_SEQPACKET unix socket (portfwd.sock in the
 * namespace's dir, mode 0600 in a 0700 dir). A client of the same uid sends
 * one request per message, and gets "ok" or "error: ..." back:
 *   add ID ADDRESS PORT   with one listening TCP socket (SCM_RIGHTS): each
 *                         connection accepted on it is connected to
 *                         ADDRESS:PORT (the container, on its bridge)
 *   remove ID             closes ID's listening sockets (the host port is free)
 * Each accepted connection gets two threads, one per direction, that move
 * the bytes with splice(2) through a pipe: the data never reaches user space.
 *
 * What a container can do to us: send bytes on a connection it accepted.
 * They are only spliced to the peer. We open no path after the start, hold no
 * fd but the control socket, the listeners and the connections, and run with
 * no capabilities, no_new_privs and not dumpable. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_LISTENERS 256
#define ID_MAX 80
#define PIPE_BYTES (1 << 20)
#define THREAD_STACK (64 * 1024)

struct listener {
  int fd;
  char id[ID_MAX];
  struct sockaddr_storage target;
  socklen_t target_len;
};

static struct listener listeners[MAX_LISTENERS];
static int listener_count;

struct connection {
  int client;
  int server;
  struct sockaddr_storage target;
  socklen_t target_len;
};

struct pump {
  int from;
  int to;
};

/* Moves bytes from `from` to `to` through a pipe until EOF or an error; at
 * EOF the write side of `to` is shut (half-close passed on), on an error both
 * sockets are shut so that the other direction ends too. */
static void* run_pump(void* arg) {
  struct pump* p = arg;
  int pipe_fds[2];
  int failed = 0;
  if (pipe2(pipe_fds, O_CLOEXEC) < 0) {
    failed = 1;
  } else {
    (void)fcntl(pipe_fds[1], F_SETPIPE_SZ, PIPE_BYTES); /* larger moves where allowed */
    for (;;) {
      ssize_t in = splice(p->from, NULL, pipe_fds[1], NULL, PIPE_BYTES, SPLICE_F_MOVE);
      if (in < 0 && errno == EINTR) continue;
      if (in <= 0) {
        failed = in < 0;
        break;
      }
      while (in > 0) {
        ssize_t out = splice(pipe_fds[0], NULL, p->to, NULL, (size_t)in, SPLICE_F_MOVE);
        if (out < 0 && errno == EINTR) continue;
        if (out <= 0) {
          failed = 1;
          break;
        }
        in -= out;
      }
      if (failed) break;
    }
    close(pipe_fds[0]);
    close(pipe_fds[1]);
  }
  if (failed) {
    shutdown(p->from, SHUT_RDWR);
    shutdown(p->to, SHUT_RDWR);
  } else {
    shutdown(p->to, SHUT_WR);
  }
  return NULL;
}

static int start_thread(pthread_t* thread, void* (*fn)(void*), void* arg, int detached) {
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) return -1;
  pthread_attr_setstacksize(&attr, THREAD_STACK);
  if (detached) pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  int rc = pthread_create(thread, &attr, fn, arg);
  pthread_attr_destroy(&attr);
  return rc;
}

/* One accepted connection: connect to the container, then one pump per
 * direction (the reverse one on a second thread). */
static void* run_connection(void* arg) {
  struct connection* c = arg;
  c->server = socket(c->target.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c->server >= 0 && connect(c->server, (struct sockaddr*)&c->target, c->target_len) == 0) {
    struct pump forward = {c->client, c->server};
    struct pump backward = {c->server, c->client};
    pthread_t reverse;
    if (start_thread(&reverse, run_pump, &backward, 0) == 0) {
      run_pump(&forward);
      pthread_join(reverse, NULL);
    }
  }
  if (c->server >= 0) close(c->server);
  close(c->client);
  free(c);
  return NULL;
}

static void accept_on(const struct listener* l) {
  int client = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
  if (client < 0) return; /* EAGAIN, ECONNABORTED, EMFILE: the next poll retries */
  struct connection* c = calloc(1, sizeof *c);
  pthread_t thread;
  if (!c) {
    close(client);
    return;
  }
  c->client = client;
  c->server = -1;
  c->target = l->target;
  c->target_len = l->target_len;
  if (start_thread(&thread, run_connection, c, 1) != 0) {
    close(client);
    free(c);
  }
}

static int parse_target(const char* address, const char* port_text, struct listener* l) {
  char* end = NULL;
  long port = strtol(port_text, &end, 10);
  if (!*port_text || *end || port <= 0 || port > 65535) return -1;
  struct sockaddr_in* v4 = (struct sockaddr_in*)&l->target;
  struct sockaddr_in6* v6 = (struct sockaddr_in6*)&l->target;
  memset(&l->target, 0, sizeof l->target);
  if (inet_pton(AF_INET, address, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    l->target_len = sizeof *v4;
    return 0;
  }
  if (inet_pton(AF_INET6, address, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    l->target_len = sizeof *v6;
    return 0;
  }
  return -1;
}

/* A listening TCP socket, nothing else. */
static int is_tcp_listener(int fd) {
  int type = 0, listening = 0;
  socklen_t len = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM) return 0;
  len = sizeof listening;
  return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening;
}

static const char* add_listener(char* id, char* address, char* port, int fd) {
  if (fd < 0) return "error: add needs a listening socket";
  if (!is_tcp_listener(fd)) return "error: not a listening TCP socket";
  if (listener_count == MAX_LISTENERS) return "error: too many published ports";
  struct listener* l = &listeners[listener_count];
  if (strlen(id) >= ID_MAX) return "error: id too long";
  if (parse_target(address, port, l) < 0) return "error: bad target address or port";
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return "error: fcntl";
  strcpy(l->id, id);
  l->fd = fd;
  ++listener_count;
  return "ok";
}

static void remove_listeners(const char* id) {
  for (int i = 0; i < listener_count;) {
    if (strcmp(listeners[i].id, id) == 0) {
      close(listeners[i].fd);
      listeners[i] = listeners[--listener_count];
    } else {
      ++i;
    }
  }
}

/* One request; its fd (if any) is ours to keep or close. */
static const char* answer(char* request, int fd) {
  char* words[5] = {0};
  int count = 0;
  for (char *save = NULL, *w = strtok_r(request, " \n", &save); w && count < 5;
       w = strtok_r(NULL, " \n", &save))
    words[count++] = w;
  const char* reply = "error: unknown request";
  if (count == 4 && strcmp(words[0], "add") == 0) {
    reply = add_listener(words[1], words[2], words[3], fd);
    if (strcmp(reply, "ok") == 0) return reply;
  } else if (count == 2 && strcmp(words[0], "remove") == 0) {
    remove_listeners(words[1]);
    reply = "ok";
  }
  if (fd >= 0) close(fd);
  return reply;
}

/* Reads one message and the fds that came with it (only the first is kept). */
static ssize_t receive_request(int client, char* buf, size_t size, int* fd) {
  union {
    struct cmsghdr header;
    char space[CMSG_SPACE(sizeof(int) * 4)];
  } control;
  struct iovec iov = {buf, size - 1};
  struct msghdr msg = {0};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.space;
  msg.msg_controllen = sizeof control.space;
  ssize_t n = recvmsg(client, &msg, MSG_CMSG_CLOEXEC);
  *fd = -1;
  if (n < 0) return n;
  buf[n] = 0;
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t fds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < fds; ++i) {
      int got;
      memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
      if (*fd < 0)
        *fd = got;
      else
        close(got);
    }
  }
  if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
    errno = EMSGSIZE;
    return -1;
  }
  return n;
}

/* A client of the control socket: requests until it hangs up (at most 5 s
 * of silence). Only our own uid is served. */
static void serve_client(int control) {
  int client = accept4(control, NULL, NULL, SOCK_CLOEXEC);
  if (client < 0) return;
  struct ucred peer;
  socklen_t len = sizeof peer;
  struct timeval timeout = {5, 0};
  if (getsockopt(client, SOL_SOCKET, SO_PEERCRED, &peer, &len) < 0 || peer.uid != getuid() ||
      setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) < 0) {
    close(client);
    return;
  }
  for (;;) {
    char request[256];
    int fd;
    ssize_t n = receive_request(client, request, sizeof request, &fd);
    if (n <= 0) break;
    const char* reply = answer(request, fd);
    if (send(client, reply, strlen(reply), MSG_NOSIGNAL) < 0) break;
  }
  close(client);
}

/* No capabilities (we were root in the pause process's user namespace until
 * here), never more by exec, no ptrace or core dump of us. */
static int drop_privileges(void) {
  /* capset(2)'s structures (linux/capability.h, which musl does not carry). */
  struct {
    uint32_t version;
    int pid;
  } header = {0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0};
  struct {
    uint32_t effective, permitted, inheritable;
  } data[2];
  memset(data, 0, sizeof data);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return -1;
  if (syscall(SYS_capset, &header, data) < 0) return -1;
  return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* An inherited fd given as `text` (-1 when it is not one). */
static int parse_fd_arg(const char* text) {
  char* end = NULL;
  long fd = strtol(text, &end, 10);
  if (!*text || *end || fd < 3 || fd > 1 << 20 || fcntl((int)fd, F_GETFD) < 0) return -1;
  return (int)fd;
}

/* Into the namespaces sandbox gave us (the user namespace first: it grants
 * what joining the network namespace needs), then their fds go. */
static int join_namespaces(int userns, int netns) {
  if (userns >= 0 && setns(userns, CLONE_NEWUSER) < 0) return -1;
  if (setns(netns, CLONE_NEWNET) < 0) return -1;
  if (userns >= 0) close(userns);
  close(netns);
  return 0;
}

int main(int argc, char** argv) {
  int control = -1, userns = -1, netns = -1, bad = argc % 2 == 0;
  for (int i = 1; !bad && i + 1 < argc; i += 2) {
    int* slot = strcmp(argv[i], "--control") == 0  ? &control
                : strcmp(argv[i], "--userns") == 0 ? &userns
                : strcmp(argv[i], "--netns") == 0  ? &netns
                                                   : NULL;
    bad = !slot || *slot >= 0 || (*slot = parse_fd_arg(argv[i + 1])) < 0;
  }
  if (bad || control < 0 || netns < 0) {
    fprintf(stderr, "usage: sandbox-portfwd --control FD [--userns FD] --netns FD\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  if (join_namespaces(userns, netns) < 0) {
    perror("sandbox-portfwd: setns");
    return 1;
  }
  if (drop_privileges() < 0) {
    perror("sandbox-portfwd: drop privileges");
    return 1;
  }
  static struct pollfd polled[MAX_LISTENERS + 1];
  for (;;) {
    polled[0].fd = control;
    polled[0].events = POLLIN;
    for (int i = 0; i < listener_count; ++i) {
      polled[i + 1].fd = listeners[i].fd;
      polled[i + 1].events = POLLIN;
      polled[i + 1].revents = 0;
    }
    int count = listener_count;
    if (poll(polled, (nfds_t)count + 1, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    /* Listeners first: serving the control socket may reorder them. */
    for (int i = 0; i < count; ++i)
      if (polled[i + 1].revents & POLLIN) accept_on(&listeners[i]);
    if (polled[0].revents & POLLIN) serve_client(control);
  }
}
