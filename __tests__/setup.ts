import { Testing } from "cdktf";
import { guardAgainstLeaks } from "./leak-guard";

Testing.setupJest();
guardAgainstLeaks();
