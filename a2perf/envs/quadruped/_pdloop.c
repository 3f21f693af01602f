/*
 * The Laikago's 1 kHz motor loop, compiled, run inside pybullet's physics server as a plugin.
 *
 * Python (a2perf/envs/quadruped/sim.py) owns one float64 buffer per simulation. Each env step it
 * writes the previous and the new filtered motor targets, arms the loop and calls stepSimulation
 * 33 times. Around every 1 ms physics step the server calls this plugin:
 *   pre-tick:  interpolate the substep's joint target, clip it to +-lim around the latency-delayed
 *              reading, PD torque from the latest reading, one TORQUE_CONTROL command;
 *   post-tick: one actual-state request; append joints, joint rates and the base state (orientation,
 *              angular velocity, position, velocity) to the buffer's ring history; after the last
 *              substep also copy the end-effector links' CoM positions and check the ground contacts.
 * The arithmetic is the pure-Python loop's (sim.py, _run_substeps_python), operation for operation,
 * so both give bit-identical trajectories (tests/envs/quadruped/test_pdloop.py). Compile with
 * -ffp-contract=off: a fused multiply-add would round differently.
 *
 * The module is also an ordinary Python extension: bind() resolves the pybullet C API functions
 * from pybullet's own shared object, stage() hands a buffer to the next plugin command.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <dlfcn.h>
#include <math.h>
#include <string.h>
#include <time.h>

#define EXPORT __attribute__((visibility("default")))
#define NUM_MOTORS 12
#define SUBSTEPS 33
#define LOOP_ABI 5     /* bump with any change of the buffer layout or the stage() arguments */
#define BASE_WIDTH 14 /* base reading: orientation (4), angular velocity (3), position (3), velocity (3), 1 */
#define NUM_EE 8 /* end-effector links whose CoM position is read after the last substep */

/* Control fields at the start of the buffer's ctrl region (mirrored in sim.py). */
enum {
    C_ARMED,        /* substeps left to run in this env step; 0 = the plugin does nothing */
    C_SUBSTEP,      /* index of the next substep within the env step (row of the targets) */
    C_COUNT,        /* history entries appended since the last reset */
    C_ERROR,        /* 0 ok; 1 state request failed; 2 empty history; 3 bad substep */
    C_LAT_N,        /* whole substeps of latency */
    C_LAT_ALPHA,    /* fractional part, blends toward the older reading */
    C_LIM,          /* max target change around the delayed reading (rad) */
    C_HIP_WRAP,     /* a hip URDF angle above this has a motor angle > pi */
    C_KNEE_WRAP,    /* a knee URDF angle below this has a motor angle < -pi */
    C_TIMING,       /* nonzero: accumulate the callbacks' wall time */
    C_SECONDS,      /* accumulated callback wall time (s) */
    C_REPLAY,       /* nonzero: apply the torques region as is (no PD, no reading); benchmarks */
    C_FALLEN,       /* after the last substep: 1 if a link other than the end effectors touches the ground */
    C_FIELDS
};

/* pybullet's C API: opaque handles, and the few functions this loop calls. */
typedef void *Handle;
typedef Handle (*RequestActualStateFn)(Handle client, int body);
typedef Handle (*SubmitFn)(Handle client, Handle command);
typedef int (*StatusActualStateFn)(Handle status, int *body, int *num_links, int *num_q, int *num_u,
                                   const double **frame, const double **q, const double **qdot,
                                   const double **reaction, const double **link_frames, const double **motor,
                                   const double **link_states, const double **link_velocities);
typedef Handle (*JointControlInitFn)(Handle client, int body, int mode);
typedef Handle (*ContactRequestFn)(Handle client);
typedef void (*ContactFilterFn)(Handle command, int body);
/* pybullet's b3ContactPointData and b3ContactInformation (only the link index is read) */
struct ContactPoint {
    int flags, body_a, body_b, link_a, link_b;
    double position_a[3], position_b[3], normal_b[3], distance, normal_force;
    double friction_1, friction_2, friction_direction_1[3], friction_direction_2[3];
};
struct ContactInformation {
    int count;
    struct ContactPoint *points;
};
typedef void (*ContactInformationFn)(Handle client, struct ContactInformation *out);
typedef int (*SetForceTorqueFn)(Handle command, int dof, double value);

static RequestActualStateFn request_actual_state;
static SubmitFn submit_and_wait;
static StatusActualStateFn status_actual_state;
static JointControlInitFn joint_control_init;
static SetForceTorqueFn set_force_torque;
static ContactRequestFn contact_request;
static ContactFilterFn contact_filter_a, contact_filter_b;
static ContactInformationFn contact_information;
static int api_version = -1; /* initPlugin must return pybullet's SHARED_MEMORY_MAGIC_NUMBER */

/* The leading fields of pybullet's b3PluginContext (the rest is not used). */
struct PluginContext {
    Handle client;
    void *user;
};

typedef struct {
    PyObject *owner; /* the exporter of buf, kept alive while attached */
    double *buf;
    Py_ssize_t size;
    int body, ground, torque_mode, capacity;
    int q_index[NUM_MOTORS], u_index[NUM_MOTORS], ee_links[NUM_EE];
    /* region offsets into buf */
    Py_ssize_t ctrl, kp, kd, targets, hist_q, hist_qd, hist_base, torques, direction, offset, interp, ee;
} Loop;

static Loop staged; /* filled by stage(), taken by the next executePluginCommand */

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Python's float % (floor modulo), as numpy's np.mod computes it for these finite values. */
static double floor_mod(double x, double y) {
    double r = fmod(x, y);
    if (r != 0.0 && ((r < 0.0) != (y < 0.0))) r += y;
    return r;
}

/* Row k (entries since reset) of a ring-history region whose rows are `width` doubles. */
static double *ring_row(const Loop *L, Py_ssize_t region, int width, long k) {
    return L->buf + region + (k % L->capacity) * width;
}

static const double *entry(const Loop *L, Py_ssize_t region, long k) {
    return ring_row(L, region, NUM_MOTORS, k);
}

/* Joint angles of the latency-delayed reading (sim.py: the ud entry of _run_substeps_python). */
static void delayed_joints(const Loop *L, const double *c, long count, double *ud) {
    int n = (int)c[C_LAT_N];
    double alpha = c[C_LAT_ALPHA];
    if (alpha == 0.0 && count > n + 1) {
        memcpy(ud, entry(L, L->hist_q, count - 1 - n), sizeof(double) * NUM_MOTORS);
    } else if (n + 1 >= count) {
        memcpy(ud, entry(L, L->hist_q, 0), sizeof(double) * NUM_MOTORS);
    } else {
        const double *newer = entry(L, L->hist_q, count - 1 - n);
        const double *older = entry(L, L->hist_q, count - 2 - n);
        double a = 1.0 - alpha;
        for (int j = 0; j < NUM_MOTORS; j++) ud[j] = a * newer[j] + alpha * older[j];
    }
    double hip = c[C_HIP_WRAP], knee = c[C_KNEE_WRAP];
    if (ud[1] > hip || ud[4] > hip || ud[7] > hip || ud[10] > hip || ud[2] < knee || ud[5] < knee ||
        ud[8] < knee || ud[11] < knee) {
        const double *dir = L->buf + L->direction, *off = L->buf + L->offset;
        for (int j = 0; j < NUM_MOTORS; j++) {
            double m = dir[j] * (ud[j] - off[j]);
            double w = floor_mod(m + M_PI, 2.0 * M_PI) - M_PI;
            ud[j] = dir[j] * w + off[j];
        }
    }
}

static Loop *armed_loop(struct PluginContext *ctx) {
    Loop *L = (Loop *)ctx->user;
    if (L == NULL || L->buf == NULL) return NULL;
    return L->buf[L->ctrl + C_ARMED] > 0.0 ? L : NULL;
}

static void fail(double *c, int code) {
    c[C_ERROR] = code;
    c[C_ARMED] = 0.0;
}

EXPORT int initPlugin_a2perf_pdloop(struct PluginContext *ctx) {
    Loop *L = (Loop *)calloc(1, sizeof(Loop));
    ctx->user = L;
    return L == NULL ? -1 : api_version;
}

EXPORT void exitPlugin_a2perf_pdloop(struct PluginContext *ctx) {
    Loop *L = (Loop *)ctx->user;
    if (L == NULL) return;
    /* the server is torn down from Python (disconnect), with the GIL held; never at finalization */
    if (L->owner != NULL && Py_IsInitialized() && PyGILState_Check()) Py_DECREF(L->owner);
    free(L);
    ctx->user = NULL;
}

/* Attach the staged buffer to this server's loop. Returns 1, or -1 if nothing was staged. */
EXPORT int executePluginCommand_a2perf_pdloop(struct PluginContext *ctx, const void *arguments) {
    (void)arguments;
    Loop *L = (Loop *)ctx->user;
    if (L == NULL || staged.buf == NULL) return -1;
    PyObject *previous = L->owner;
    *L = staged;
    memset(&staged, 0, sizeof staged);
    Py_XDECREF(previous);
    return 1;
}

EXPORT int preTickPluginCallback_a2perf_pdloop(struct PluginContext *ctx) {
    Loop *L = armed_loop(ctx);
    if (L == NULL) return 0;
    double *c = L->buf + L->ctrl;
    double t0 = c[C_TIMING] != 0.0 ? now() : 0.0;
    long count = (long)c[C_COUNT];
    long i = (long)c[C_SUBSTEP];
    if (count < 1) {
        fail(c, 2);
        return 0;
    }
    if (i < 0 || i >= SUBSTEPS) {
        fail(c, 3);
        return 0;
    }
    double *tau = L->buf + L->torques + i * NUM_MOTORS;
    Handle command = joint_control_init(ctx->client, L->body, L->torque_mode);
    if (c[C_REPLAY] != 0.0) {
        for (int j = 0; j < NUM_MOTORS; j++) set_force_torque(command, L->u_index[j], tau[j]);
        submit_and_wait(ctx->client, command);
        if (t0 != 0.0) c[C_SECONDS] += now() - t0;
        return 0;
    }
    double ud[NUM_MOTORS];
    delayed_joints(L, c, count, ud);
    const double *q = entry(L, L->hist_q, count - 1), *qd = entry(L, L->hist_qd, count - 1);
    /* the substep's target: m = prev + (i+1)/33 (goal - prev) in motor angles, then to URDF angles */
    const double *dir = L->buf + L->direction, *off = L->buf + L->offset;
    const double *prev = L->buf + L->interp, *goal = prev + NUM_MOTORS;
    double *t = L->buf + L->targets + i * NUM_MOTORS;
    double frac = (double)(i + 1) / (double)SUBSTEPS;
    for (int j = 0; j < NUM_MOTORS; j++) t[j] = dir[j] * (prev[j] + frac * (goal[j] - prev[j])) + off[j];
    const double *kp = L->buf + L->kp, *kd = L->buf + L->kd;
    double lim = c[C_LIM];
    for (int j = 0; j < NUM_MOTORS; j++) {
        double target = t[j], centre = ud[j], d = target - centre;
        double clipped = (-lim <= d && d <= lim) ? target : (target > centre ? centre + lim : centre - lim);
        tau[j] = kp[j] * (clipped - q[j]) - kd[j] * qd[j];
        set_force_torque(command, L->u_index[j], tau[j]);
    }
    submit_and_wait(ctx->client, command);
    if (t0 != 0.0) c[C_SECONDS] += now() - t0;
    return 0;
}

EXPORT int postTickPluginCallback_a2perf_pdloop(struct PluginContext *ctx) {
    Loop *L = armed_loop(ctx);
    if (L == NULL) return 0;
    double *c = L->buf + L->ctrl;
    double t0 = c[C_TIMING] != 0.0 ? now() : 0.0;
    if (c[C_REPLAY] != 0.0) {
        c[C_SUBSTEP] += 1.0;
        c[C_ARMED] -= 1.0;
        if (t0 != 0.0) c[C_SECONDS] += now() - t0;
        return 0;
    }
    Handle status = submit_and_wait(ctx->client, request_actual_state(ctx->client, L->body));
    int body = -1, num_links = 0, num_q = 0, num_u = 0;
    const double *frame = NULL, *q = NULL, *qd = NULL, *reaction = NULL, *link_frames = NULL, *motor = NULL;
    const double *links = NULL, *link_velocities = NULL;
    if (status == NULL ||
        !status_actual_state(status, &body, &num_links, &num_q, &num_u, &frame, &q, &qd, &reaction, &link_frames,
                             &motor, &links, &link_velocities) ||
        body != L->body || q == NULL || qd == NULL || num_q < 7 || num_u < 6) {
        fail(c, 1);
        return 0;
    }
    if (c[C_ARMED] == 1.0) { /* the last substep: end-effector CoM positions (link state xyz) */
        double *ee = L->buf + L->ee;
        for (int k = 0; k < NUM_EE; k++) {
            if (links == NULL || L->ee_links[k] < 0 || L->ee_links[k] >= num_links) {
                fail(c, 1);
                return 0;
            }
            for (int d = 0; d < 3; d++) ee[3 * k + d] = links[7 * L->ee_links[k] + d];
        }
        Handle request = contact_request(ctx->client);
        contact_filter_a(request, L->body);
        contact_filter_b(request, L->ground);
        if (submit_and_wait(ctx->client, request) == NULL) {
            fail(c, 1);
            return 0;
        }
        struct ContactInformation contacts = {0, NULL};
        contact_information(ctx->client, &contacts);
        int fallen = 0;
        for (int k = 0; k < contacts.count && !fallen; k++) {
            int link = contacts.points[k].link_a, foot = 0;
            for (int e = 0; e < NUM_EE; e++) foot |= link == L->ee_links[e];
            fallen = !foot;
        }
        c[C_FALLEN] = fallen;
    }
    long count = (long)c[C_COUNT];
    double *row_q = ring_row(L, L->hist_q, NUM_MOTORS, count);
    double *row_qd = ring_row(L, L->hist_qd, NUM_MOTORS, count);
    double *row_base = ring_row(L, L->hist_base, BASE_WIDTH, count);
    for (int j = 0; j < NUM_MOTORS; j++) {
        if (L->q_index[j] >= num_q || L->u_index[j] >= num_u) {
            fail(c, 1);
            return 0;
        }
        row_q[j] = q[L->q_index[j]];
        row_qd[j] = qd[L->u_index[j]];
    }
    for (int k = 0; k < 4; k++) row_base[k] = q[3 + k];  /* base orientation (x, y, z, w) */
    for (int k = 0; k < 3; k++) row_base[4 + k] = qd[3 + k];  /* base angular velocity, world frame */
    for (int k = 0; k < 3; k++) row_base[7 + k] = q[k];       /* base (CoM) position */
    for (int k = 0; k < 3; k++) row_base[10 + k] = qd[k];     /* base linear velocity */
    row_base[13] = 1.0;                                       /* recorded */
    c[C_COUNT] = (double)(count + 1);
    c[C_SUBSTEP] += 1.0;
    c[C_ARMED] -= 1.0;
    if (t0 != 0.0) c[C_SECONDS] += now() - t0;
    return 0;
}

/* ----------------------------------------------------------------------------- Python functions */

static PyObject *py_bind(PyObject *self, PyObject *args) {
    (void)self;
    const char *path;
    int version;
    if (!PyArg_ParseTuple(args, "si", &path, &version)) return NULL;
    void *lib = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    if (lib == NULL) {
        PyErr_Format(PyExc_RuntimeError, "pybullet's shared object %s is not loaded (%s)", path, dlerror());
        return NULL;
    }
    struct {
        const char *name;
        void **slot;
    } functions[] = {
        {"b3RequestActualStateCommandInit", (void **)&request_actual_state},
        {"b3SubmitClientCommandAndWaitStatus", (void **)&submit_and_wait},
        {"b3GetStatusActualState2", (void **)&status_actual_state},
        {"b3JointControlCommandInit2", (void **)&joint_control_init},
        {"b3JointControlSetDesiredForceTorque", (void **)&set_force_torque},
        {"b3InitRequestContactPointInformation", (void **)&contact_request},
        {"b3SetContactFilterBodyA", (void **)&contact_filter_a},
        {"b3SetContactFilterBodyB", (void **)&contact_filter_b},
        {"b3GetContactPointInformation", (void **)&contact_information},
    };
    for (size_t k = 0; k < sizeof functions / sizeof functions[0]; k++) {
        *functions[k].slot = dlsym(lib, functions[k].name);
        if (*functions[k].slot == NULL) {
            PyErr_Format(PyExc_RuntimeError, "pybullet does not export %s", functions[k].name);
            return NULL;
        }
    }
    api_version = version;
    Py_RETURN_NONE;
}

static int read_indices(PyObject *seq, int *out, int n, const char *what) {
    PyObject *fast = PySequence_Fast(seq, what);
    if (fast == NULL) return -1;
    if (PySequence_Fast_GET_SIZE(fast) != n) {
        PyErr_Format(PyExc_ValueError, "%s needs %d entries", what, n);
        Py_DECREF(fast);
        return -1;
    }
    for (int j = 0; j < n; j++) {
        long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(fast, j));
        if (v == -1 && PyErr_Occurred()) {
            Py_DECREF(fast);
            return -1;
        }
        out[j] = (int)v;
    }
    Py_DECREF(fast);
    return 0;
}

/* stage(buf, body, ground, torque_mode, q_index, u_index, ee_links, layout): layout = (capacity, ctrl, kp, kd,
   targets, hist_q, hist_qd, hist_base, torques, direction, offset, interp, ee), offsets in float64 items. */
static PyObject *py_stage(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *owner, *q_index, *u_index, *ee_links;
    Loop L;
    memset(&L, 0, sizeof L);
    Py_ssize_t capacity;
    if (!PyArg_ParseTuple(args, "OiiiOOO(nnnnnnnnnnnnn)", &owner, &L.body, &L.ground, &L.torque_mode, &q_index, &u_index, &ee_links,
                          &capacity, &L.ctrl, &L.kp, &L.kd, &L.targets, &L.hist_q, &L.hist_qd, &L.hist_base,
                          &L.torques, &L.direction, &L.offset, &L.interp, &L.ee))
        return NULL;
    if (read_indices(q_index, L.q_index, NUM_MOTORS, "q_index") < 0 ||
        read_indices(u_index, L.u_index, NUM_MOTORS, "u_index") < 0 ||
        read_indices(ee_links, L.ee_links, NUM_EE, "ee_links") < 0)
        return NULL;
    Py_buffer view;
    if (PyObject_GetBuffer(owner, &view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return NULL;
    int ok = view.itemsize == 8 && view.format != NULL && strcmp(view.format, "d") == 0;
    L.buf = (double *)view.buf;
    L.size = view.len / 8;
    PyBuffer_Release(&view);
    if (!ok) {
        PyErr_SetString(PyExc_ValueError, "the loop buffer must be a contiguous float64 array");
        return NULL;
    }
    L.capacity = (int)capacity;
    Py_ssize_t ends[] = {L.ctrl + C_FIELDS,
                         L.kp + NUM_MOTORS,
                         L.kd + NUM_MOTORS,
                         L.targets + SUBSTEPS * NUM_MOTORS,
                         L.hist_q + capacity * NUM_MOTORS,
                         L.hist_qd + capacity * NUM_MOTORS,
                         L.hist_base + capacity * BASE_WIDTH,
                         L.torques + SUBSTEPS * NUM_MOTORS,
                         L.direction + NUM_MOTORS,
                         L.offset + NUM_MOTORS,
                         L.interp + 2 * NUM_MOTORS,
                         L.ee + 3 * NUM_EE};
    for (size_t k = 0; k < sizeof ends / sizeof ends[0]; k++) {
        if (ends[k] > L.size || capacity < 1) {
            PyErr_SetString(PyExc_ValueError, "the loop layout does not fit in the buffer");
            return NULL;
        }
    }
    Py_INCREF(owner);
    L.owner = owner;
    Py_XDECREF(staged.owner);
    staged = L;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"bind", py_bind, METH_VARARGS,
     "bind(pybullet_file, api_version): resolve pybullet's C API from its loaded shared object."},
    {"stage", py_stage, METH_VARARGS,
     "stage(buf, body, torque_mode, q_index, u_index, layout): hand buf to the next plugin command."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_pdloop",
                                    "Compiled 1 kHz Laikago motor loop (a pybullet plugin).", -1, methods};

PyMODINIT_FUNC PyInit__pdloop(void) {
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddStringConstant(m, "PLUGIN_POSTFIX", "_a2perf_pdloop") < 0 ||
        PyModule_AddIntConstant(m, "CTRL_FIELDS", C_FIELDS) < 0 || PyModule_AddIntConstant(m, "ABI", LOOP_ABI) < 0 ||
        PyModule_AddIntConstant(m, "BASE_WIDTH", BASE_WIDTH) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
