package dev.migscope.cli;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a command that opens or renders the inspector window: the one kind of class outside
 * {@code ui} that may use {@code ui}, JavaFX and AWT (ArchitectureTest reads it from the class
 * files; nothing reads it at run time).
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface UsesTheWindow {
}
