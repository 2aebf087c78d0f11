/* SPDX-License-Identifier: MIT */
/*
 * test_http_rate - the per-client token bucket behind [web]
 * subscribe_per_minute: a burst of N is allowed, the next request is told
 * how long to wait, clients do not share budgets, and many clients (more
 * than the table holds) neither crash nor lock anyone out for good; the
 * client key (http_client_key) puts a whole IPv6 /64 in one bucket.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "http_int.h"

struct rate_case {
    int per_minute; /* the limit */
    int burst;      /* requests that must pass at once */
    int min_wait;   /* seconds the next one must wait, at least */
    int max_wait;   /* ... and at most */
};

static const struct rate_case cases[] = {
    {5, 5, 1, 12},
    {1, 1, 30, 60},
    {60, 60, 1, 1},
    {600, 600, 1, 1},
};

/* rate_new - just the parts of struct http the limiter uses */
static struct http *
rate_new(void)
{
    struct http *h = calloc(1, sizeof(*h));
    pthread_mutex_init(&h->rate_lock, NULL);
    h->rate = calloc(HTTP_RATE_SLOTS, sizeof(*h->rate));
    return h;
}

static void
rate_free(struct http *h)
{
    pthread_mutex_destroy(&h->rate_lock);
    free(h->rate);
    free(h);
}

struct key_case {
    const char *ip;   /* an address as text */
    const char *want; /* its client key */
};

static const struct key_case keys[] = {
    {"192.0.2.7", "192.0.2.7"},
    {"2001:db8:1:2::1", "2001:db8:1:2::/64"},
    {"2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"},
    {"2001:db8:1:3::1", "2001:db8:1:3::/64"},
    {"::ffff:192.0.2.7", "192.0.2.7"},
    {"::1", "::/64"},
};

/* key_of - http_client_key of the address in text */
static void
key_of(const char *ip, char *out, size_t size)
{
    unsigned char a[16];
    int family = strchr(ip, ':') ? AF_INET6 : AF_INET;

    CHECK(inet_pton(family, ip, a) == 1);
    http_client_key(family, a, out, size);
}

/* check_keys - the table, then six addresses of one /64 share a bucket */
static void
check_keys(void)
{
    char key[HTTP_CLIENT_KEY], ip[64];
    struct http *h = rate_new();

    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        key_of(keys[i].ip, key, sizeof(key));
        CHECK_STR_EQ(key, keys[i].want);
    }
    for (int k = 1; k <= 6; k++) {
        snprintf(ip, sizeof(ip), "2001:db8:5:6:%x:%x::%x", k * 7, k, k);
        key_of(ip, key, sizeof(key));
        CHECK_INT_EQ(http_rate_take(h, key, 3) != 0, k > 3);
    }
    key_of("2001:db8:5:7::1", key, sizeof(key));
    CHECK_INT_EQ(http_rate_take(h, key, 3), 0);
    rate_free(h);
}

int
main(void)
{
    check_keys();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct rate_case *c = &cases[i];
        struct http *h = rate_new();
        int w;

        for (int k = 0; k < c->burst; k++)
            CHECK_INT_EQ(http_rate_take(h, "192.0.2.1", c->per_minute), 0);
        w = http_rate_take(h, "192.0.2.1", c->per_minute);
        CHECK(w >= c->min_wait && w <= c->max_wait);
        /* another client has its own budget */
        CHECK_INT_EQ(http_rate_take(h, "2001:db8::1", c->per_minute), 0);
        rate_free(h);
    }

    /* far more clients than slots: no crash, fresh clients pass */
    {
        struct http *h = rate_new();
        char ip[48];
        int refused = 0;
        for (int k = 0; k < 3 * HTTP_RATE_SLOTS; k++) {
            snprintf(ip, sizeof(ip), "10.%d.%d.%d", (k >> 16) & 255,
                     (k >> 8) & 255, k & 255);
            if (http_rate_take(h, ip, 2) != 0)
                refused++;
        }
        CHECK_INT_EQ(refused, 0);
        rate_free(h);
    }
    return CHECK_DONE();
}
