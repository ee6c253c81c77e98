/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The _to_string() and _from_string() of an enum, written once (after
 * systemd's string-table.h): DEFINE_STRING_TABLE_LOOKUP(name, Type) defines
 * name_to_string(Type) and name_from_string(const char *) over a table
 * called name_table, indexed by the enum. A value outside the table, or an
 * index the table leaves NULL, gives NULL; an unknown string gives -EINVAL
 * (the enum's _X_INVALID).
 */

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "util.h"

static inline int string_table_lookup(const char *const *table, size_t len, const char *key)
{
        if (!key)
                return -EINVAL;
        for (size_t i = 0; i < len; i++)
                if (table[i] && strcmp(table[i], key) == 0)
                        return (int)i;
        return -EINVAL;
}

/* The cast to size_t also turns a negative value into one out of range. */
#define DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type)                                           \
        const char *name##_to_string(type i)                                                       \
        {                                                                                          \
                if ((size_t)i >= ELEMENTSOF(name##_table))                                         \
                        return NULL;                                                               \
                return name##_table[i];                                                            \
        }

#define DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, type)                                         \
        type name##_from_string(const char *s)                                                     \
        {                                                                                          \
                return (type)string_table_lookup(name##_table, ELEMENTSOF(name##_table), s);       \
        }

#define DEFINE_STRING_TABLE_LOOKUP(name, type)                                                     \
        DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type)                                           \
        DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, type)
