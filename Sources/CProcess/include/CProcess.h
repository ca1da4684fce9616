// Process-wide protections Swift cannot set up itself (prctl is a variadic C function).
#ifndef HADECK_CPROCESS_H
#define HADECK_CPROCESS_H

/// Makes this process produce no core file and refuses other processes of the same user
/// the right to read its memory (RLIMIT_CORE 0, PR_SET_DUMPABLE 0, as ssh-agent does).
/// Returns 0, or -1 with errno set when either could not be set.
int hadeck_forbid_memory_dumps(void);

#endif
