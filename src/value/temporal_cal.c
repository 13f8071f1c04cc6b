/* temporal_cal.c — proleptic Gregorian calendar arithmetic on day numbers (days since 1970-01-01): civil
 * dates, ISO week dates, month arithmetic with end-of-month clamping.
 * Must not: know about qval, zones or strings. Pure functions of their arguments.
 */
#include "value/temporal_int.h"

bool qt_is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int qt_month_len(int64_t y, int m) {
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && qt_is_leap(y)) return 29;
    return len[m - 1];
}

/* Days from 1970-01-01 to y-m-d, counting in 400-year eras (146097 days) starting on March 1st so the
 * leap day falls at the end of each era-year. */
int64_t qt_days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = qt_fdiv(y, 400);
    int64_t yoe = y - era * 400;                                   /* 0 .. 399 */
    int64_t mp = (m + 9) % 12;                                     /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + d - 1;                      /* 0 .. 365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* 0 .. 146096 */
    return era * 146097 + doe - 719468;
}

void qt_civil_from_days(int64_t days, int64_t *y, int *m, int *d) {
    int64_t z = days + 719468;
    int64_t era = qt_fdiv(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int qt_day_of_week(int64_t days) { return (int)qt_fmod(days + 3, 7) + 1; }  /* 1970-01-01 was a Thursday */

int qt_day_of_year(int64_t days) {
    int64_t y; int m, d;
    qt_civil_from_days(days, &y, &m, &d);
    return (int)(days - qt_days_from_civil(y, 1, 1)) + 1;
}

/* The Monday of week 1: the week containing January 4th. */
static int64_t week1_monday(int64_t wyear) {
    int64_t jan4 = qt_days_from_civil(wyear, 1, 4);
    return jan4 - (qt_day_of_week(jan4) - 1);
}

int qt_weeks_in_year(int64_t wyear) {
    return (int)((week1_monday(wyear + 1) - week1_monday(wyear)) / 7);
}

void qt_week_date(int64_t days, int64_t *wyear, int *week, int *dow) {
    int64_t y; int m, d;
    qt_civil_from_days(days, &y, &m, &d);
    int64_t wy = y;
    if (days < week1_monday(wy)) wy--;
    else if (days >= week1_monday(wy + 1)) wy++;
    *wyear = wy;
    *week = (int)((days - week1_monday(wy)) / 7) + 1;
    *dow = qt_day_of_week(days);
}

int64_t qt_days_from_week(int64_t wyear, int week, int dow) {
    return week1_monday(wyear) + (int64_t)(week - 1) * 7 + (dow - 1);
}

int64_t qt_plus_months(int64_t days, int64_t months) {
    if (months == 0) return days;
    int64_t y; int m, d;
    qt_civil_from_days(days, &y, &m, &d);
    int64_t pm = y * 12 + (m - 1) + months;
    int64_t ny = qt_fdiv(pm, 12);
    int nm = (int)qt_fmod(pm, 12) + 1;
    int ml = qt_month_len(ny, nm);
    return qt_days_from_civil(ny, nm, d > ml ? ml : d);
}

int64_t qt_months_between(int64_t a, int64_t b) {
    int64_t ya, yb; int ma, mb, da, db;
    qt_civil_from_days(a, &ya, &ma, &da);
    qt_civil_from_days(b, &yb, &mb, &db);
    int64_t pa = (ya * 12 + ma - 1) * 32 + da;
    int64_t pb = (yb * 12 + mb - 1) * 32 + db;
    return (pb - pa) / 32;
}

bool qt_days_in_range(int64_t days) {
    static const int64_t lo = -365243219162LL;  /* -999999999-01-01 */
    static const int64_t hi = 365241780471LL;   /* +999999999-12-31 */
    return days >= lo && days <= hi;
}
