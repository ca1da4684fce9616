// The wide-character ncurses API: HADeckTUI draws cells that may hold CJK and emoji.
#ifndef HADECK_CNCURSES_SHIM_H
#define HADECK_CNCURSES_SHIM_H
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <ncursesw/curses.h>

// Macros and globals Swift cannot import, as functions.
static inline WINDOW *hadeck_stdscr(void) { return stdscr; }
static inline int hadeck_lines(void) { return getmaxy(stdscr); }
static inline int hadeck_cols(void) { return getmaxx(stdscr); }
static inline int hadeck_colors(void) { return COLORS; }
static inline attr_t hadeck_color_pair(int pair) { return COLOR_PAIR(pair); }
static inline attr_t hadeck_bold(void) { return A_BOLD; }
static inline attr_t hadeck_reverse(void) { return A_REVERSE; }
static inline int hadeck_set_locale(void) { return setlocale(LC_ALL, "") != NULL; }

// From <term.h>, declared here alone: term.h also defines macros (lines, columns, …) that
// would leak into every user of this module.
struct term;
extern int setupterm(const char *, int, int *);
extern struct term *set_curterm(struct term *);
extern int del_curterm(struct term *);

// Whether the console can draw on terminal type `name`, asked of terminfo without writing
// anything: 0 it can, 1 terminfo has no such entry (or no terminfo database is found),
// 2 the entry cannot move the cursor (a hardcopy or `dumb` terminal).
static inline int hadeck_terminal_problem(const char *name, int fd) {
    int error = 0;
    if (setupterm(name, fd, &error) != OK) return error == 1 ? 2 : 1;
    const char *cursor = tigetstr("cup");
    int problem = (cursor == NULL || cursor == (const char *)-1) ? 2 : 0;
    del_curterm(set_curterm(NULL));
    return problem;
}
#endif
