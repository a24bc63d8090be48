/* Baseline for ControlPathBench: the same ioctls on the same mtty device, from C.
 * Opens the device the way DeviceOpener's cdev route does (/dev/iommu, the device's
 * /dev/vfio/devices/vfioX, VFIO_DEVICE_BIND_IOMMUFD, IOMMU_IOAS_ALLOC,
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT), then times N round trips SET RUNNING_P2P + SET RUNNING
 * (VFIO_DEVICE_FEATURE SET MIG_DEVICE_STATE) and N GET MIG_DEVICE_STATE.
 * The structs are spelled out from Linux 6.12's vfio.h and iommufd.h (the build host's
 * headers may predate the cdev ioctls). Usage: control UUID ITERATIONS */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define VFIO_IO(nr) ((';' << 8) | (nr))
#define VFIO_DEVICE_FEATURE VFIO_IO(100 + 17)
#define VFIO_DEVICE_BIND_IOMMUFD VFIO_IO(100 + 18)
#define VFIO_DEVICE_ATTACH_IOMMUFD_PT VFIO_IO(100 + 19)
#define IOMMU_IOAS_ALLOC VFIO_IO(0x81)
#define FEATURE_GET (1u << 16)
#define FEATURE_SET (1u << 17)
#define MIG_DEVICE_STATE 2
#define RUNNING 2
#define RUNNING_P2P 5

struct bind { uint32_t argsz, flags; int32_t iommufd; uint32_t out_devid; };
struct ioas_alloc { uint32_t size, flags, out_ioas_id; };
struct attach { uint32_t argsz, flags, pt_id; };
struct mig_state { uint32_t argsz, flags; uint32_t device_state; int32_t data_fd; };

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char *what) {
	perror(what);
	exit(1);
}

static void set_state(int fd, uint32_t s) {
	struct mig_state m = { sizeof m, FEATURE_SET | MIG_DEVICE_STATE, s, -1 };
	if (ioctl(fd, VFIO_DEVICE_FEATURE, &m))
		die("SET MIG_DEVICE_STATE");
}

static uint32_t get_state(int fd) {
	struct mig_state m = { sizeof m, FEATURE_GET | MIG_DEVICE_STATE, 0, 0 };
	if (ioctl(fd, VFIO_DEVICE_FEATURE, &m))
		die("GET MIG_DEVICE_STATE");
	return m.device_state;
}

int main(int argc, char **argv) {
	if (argc < 3) {
		fprintf(stderr, "usage: control UUID ITERATIONS\n");
		return 2;
	}
	long n = atol(argv[2]);
	char path[512];
	snprintf(path, sizeof path, "/sys/bus/mdev/devices/%s/vfio-dev", argv[1]);
	DIR *d = opendir(path);
	if (!d)
		die(path);
	struct dirent *e;
	char node[300] = "";
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "vfio", 4))
			snprintf(node, sizeof node, "/dev/vfio/devices/%s", e->d_name);
	closedir(d);
	int iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (iommufd < 0)
		die("/dev/iommu");
	int fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die(node);
	struct bind b = { sizeof b, 0, iommufd, 0 };
	if (ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &b))
		die("VFIO_DEVICE_BIND_IOMMUFD");
	struct ioas_alloc a = { sizeof a, 0, 0 };
	if (ioctl(iommufd, IOMMU_IOAS_ALLOC, &a))
		die("IOMMU_IOAS_ALLOC");
	struct attach at = { sizeof at, 0, a.out_ioas_id };
	if (ioctl(fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at))
		die("VFIO_DEVICE_ATTACH_IOMMUFD_PT");
	if (get_state(fd) != RUNNING)
		fprintf(stderr, "warning: device not RUNNING at start\n");

	/* the same warm-up count as the Java side's, so both reach the measured loop alike */
	for (long i = 0; i < n; i++) {
		set_state(fd, RUNNING_P2P);
		set_state(fd, RUNNING);
		get_state(fd);
	}
	double t0 = now();
	for (long i = 0; i < n; i++) {
		set_state(fd, RUNNING_P2P);
		set_state(fd, RUNNING);
	}
	double t1 = now();
	volatile uint32_t sink = 0;
	for (long i = 0; i < n; i++)
		sink += get_state(fd);
	double t2 = now();
	printf("roundtrip_ns=%.0f get_ns=%.0f\n", (t1 - t0) / n * 1e9, (t2 - t1) / n * 1e9);
	close(fd);
	close(iommufd);
	return 0;
}
