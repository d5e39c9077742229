#include <stdarg.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <microhttpd.h>

/* MHD_start_daemon is variadic and not imported by Swift; this fixed-arity
   wrapper covers what the HTTP adapter needs. listen_fd is a socket the
   adapter bound itself (so it controls the address and SO_REUSEADDR). */
static inline struct MHD_Daemon *yz_mhd_start(unsigned int flags,
                                              MHD_AccessHandlerCallback handler,
                                              void *handler_cls,
                                              int listen_fd,
                                              unsigned int thread_pool,
                                              unsigned int connection_limit,
                                              unsigned int connection_timeout,
                                              size_t memory_limit,
                                              MHD_RequestCompletedCallback completed,
                                              void *completed_cls) {
  return MHD_start_daemon(flags, 0, NULL, NULL, handler, handler_cls,
                          MHD_OPTION_LISTEN_SOCKET, (MHD_socket)listen_fd,
                          MHD_OPTION_THREAD_POOL_SIZE, thread_pool,
                          MHD_OPTION_CONNECTION_LIMIT, connection_limit,
                          MHD_OPTION_CONNECTION_TIMEOUT, connection_timeout,
                          MHD_OPTION_CONNECTION_MEMORY_LIMIT, memory_limit,
                          MHD_OPTION_NOTIFY_COMPLETED, completed, completed_cls,
                          MHD_OPTION_END);
}
