/* Benchmarks only (never shipped): read(2) and ioctl(2) as plain JNI natives of
 * dev.migscope.linux.JniShim, to measure what a binding without JNA's generic dispatch
 * (libffi closure, argument conversion, errno capture) costs. errno is returned in-band as
 * -errno, so the Java side needs no second call to learn it.
 * Build: gcc -O2 -shared -fPIC -I$JAVA_HOME/include -I$JAVA_HOME/include/linux */
#include <errno.h>
#include <jni.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

JNIEXPORT jlong JNICALL Java_dev_migscope_linux_JniShim_read(JNIEnv *env, jclass cls, jint fd, jlong buf,
							      jlong count) {
	ssize_t n = read(fd, (void *)(intptr_t)buf, (size_t)count);
	return n < 0 ? -errno : n;
}

JNIEXPORT jint JNICALL Java_dev_migscope_linux_JniShim_ioctl(JNIEnv *env, jclass cls, jint fd, jlong request,
							      jlong arg) {
	int r = ioctl(fd, (unsigned long)request, (void *)(intptr_t)arg);
	return r < 0 ? -errno : r;
}
